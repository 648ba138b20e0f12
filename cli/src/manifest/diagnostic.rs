//! What a user is shown when a manifest is wrong: the file, the [`Location`] at fault and what is
//! wrong, with the line itself and the mistake underlined.

use std::{
	fmt,
	ops::Range,
	path::{Path, PathBuf},
};

/// Where in a manifest a mistake is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
	/// The line, from 1.
	pub line: usize,
	/// The column, from 1, in characters.
	pub column: usize,
	/// The text of that line.
	pub text: String,
	/// How many characters to underline, from `column`: at least one.
	pub width: usize,
}

impl Location {
	/// Where the byte range `span` of `source` is (a span past the end is at the end).
	pub fn of(source: &str, span: Range<usize>) -> Self {
		let start = span.start.min(source.len());
		let before = &source[..start];
		let line = before.matches('\n').count() + 1;
		let line_start = before.rfind('\n').map_or(0, |i| i + 1);
		let column = source[line_start..start].chars().count() + 1;
		let text = source[line_start..].lines().next().unwrap_or("").to_string();
		let width = source[start..span.end.max(start).min(source.len())]
			.lines()
			.next()
			.map_or(1, |s| s.chars().count().max(1));
		Self { line, column, text, width }
	}
}

/// A mistake in a manifest, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
	pub file: PathBuf,
	/// Where the mistake is, when it has a place.
	pub at: Option<Location>,
	pub message: String,
}

impl ManifestError {
	/// The mistake `message` in `source`, read from `file`, at the byte range `span` of it.
	pub(super) fn new(
		file: &Path,
		source: &str,
		span: Option<Range<usize>>,
		message: String,
	) -> Self {
		let at = span.map(|span| Location::of(source, span));
		Self { file: file.to_path_buf(), at, message }
	}
}

impl fmt::Display for ManifestError {
	fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
		match &self.at {
			Some(Location { line, column, text, width }) => {
				writeln!(f, "{}:{line}:{column}: {}", self.file.display(), self.message)?;
				let gutter = line.to_string().len();
				writeln!(f, "{:gutter$} |", "")?;
				writeln!(f, "{line} | {text}")?;
				write!(f, "{:gutter$} | {}{}", "", " ".repeat(column - 1), "^".repeat(*width))
			},
			None => write!(f, "{}: {}", self.file.display(), self.message),
		}
	}
}

impl std::error::Error for ManifestError {}
