//! wordfreq: the word counts of a text, a Conun docker task.
//!
//! Input (stdin): a text, one file of the job's inputs per task (invalid UTF-8 is replaced, not
//! rejected). Output (stdout): one `word\tcount\n` line per distinct word, sorted by word.
//! A word is a maximal run of alphanumeric characters (`char::is_alphanumeric`), lowercased.
//! The job's `reduce = "counts"` adds the counts of every task into the job's result.
//!
//! The output depends only on the input: a `BTreeMap` orders the words (by their bytes), so
//! every replica prints the same lines in the same order and their results agree.
//!
//! It runs in a `FROM scratch` image, so it is linked statically (see `.cargo/config.toml`).

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

/// How many times each word occurs in `text`.
fn count_words(text: &str) -> BTreeMap<String, u64> {
	let mut counts = BTreeMap::new();
	for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
		*counts.entry(word.to_lowercase()).or_insert(0) += 1;
	}
	counts
}

fn run() -> io::Result<()> {
	let mut input = Vec::new();
	io::stdin().lock().read_to_end(&mut input)?;
	let text = String::from_utf8_lossy(&input);
	let mut out = BufWriter::new(io::stdout().lock());
	for (word, count) in count_words(&text) {
		writeln!(out, "{word}\t{count}")?;
	}
	out.flush()
}

fn main() -> ExitCode {
	match run() {
		Ok(()) => ExitCode::SUCCESS,
		Err(error) => {
			eprintln!("wordfreq: {error}");
			ExitCode::FAILURE
		},
	}
}

#[cfg(test)]
mod tests {
	use super::count_words;

	#[test]
	fn counts_lowercased_alphanumeric_runs() {
		let counts = count_words("The cat, the HAT; the-end. Été 42 été\n");
		let lines: Vec<_> = counts.iter().map(|(w, c)| format!("{w}\t{c}")).collect();
		assert_eq!(lines, ["42\t1", "cat\t1", "end\t1", "hat\t1", "the\t3", "été\t2"]);
	}

	#[test]
	fn empty_input_has_no_words() {
		assert!(count_words("").is_empty());
		assert!(count_words(" ,.;\n").is_empty());
	}
}
