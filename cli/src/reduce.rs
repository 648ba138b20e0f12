//! What a job's verified outputs become on the requester's side (the manifest's `[output]
//! reduce`): a sum, one joined file, a stitched image, merged word counts.

use crate::{error::CliError, manifest::Reduce, png};
use conun_primitives::TaskOutput;
use std::{collections::BTreeMap, path::Path};

/// Reduces the outputs (one per task, in task order; `None` for a task without a verified
/// result) into files in `out`. Returns a one-line summary for the user.
pub fn reduce(how: Reduce, outputs: &[Option<TaskOutput>], out: &Path) -> Result<String, CliError> {
	if how == Reduce::None {
		return Ok(format!("{} outputs in {}", outputs.iter().flatten().count(), out.display()));
	}
	let missing: Vec<usize> = outputs
		.iter()
		.enumerate()
		.filter(|(_, o)| o.is_none())
		.map(|(i, _)| i)
		.collect();
	if !missing.is_empty() {
		return Err(CliError::Incomplete(format!(
			"cannot reduce: {} of {} tasks have no verified result (tasks {})",
			missing.len(),
			outputs.len(),
			list(&missing)
		)));
	}
	let outputs: Vec<&TaskOutput> = outputs.iter().flatten().collect();
	let failed: Vec<usize> = outputs
		.iter()
		.enumerate()
		.filter(|(_, o)| !o.status.is_success())
		.map(|(i, _)| i)
		.collect();
	if !failed.is_empty() {
		return Err(CliError::Incomplete(format!(
			"cannot reduce: tasks {} ended with {:?} (see `conun job logs`)",
			list(&failed),
			outputs[failed[0]].status
		)));
	}
	match how {
		Reduce::None => unreachable!("handled above"),
		Reduce::Concat => {
			let joined: Vec<u8> = outputs.iter().flat_map(|o| o.stdout.iter().copied()).collect();
			std::fs::write(out.join("result"), &joined)?;
			Ok(format!("{} bytes joined into {}", joined.len(), out.join("result").display()))
		},
		Reduce::Sum => {
			let mut sum: u128 = 0;
			for (task, output) in outputs.iter().enumerate() {
				let text = String::from_utf8_lossy(&output.stdout);
				let value: u128 = text.trim().parse().map_err(|_| {
					CliError::Incomplete(format!(
						"task {task} printed `{}`, not a number to add up",
						text.trim()
					))
				})?;
				sum = sum
					.checked_add(value)
					.ok_or_else(|| CliError::Incomplete("the sum overflows 128 bits".into()))?;
			}
			std::fs::write(out.join("answer.txt"), format!("{sum}\n"))?;
			Ok(format!("sum = {sum}"))
		},
		Reduce::Tiles { columns, width, height } => {
			let tile = width as usize * height as usize;
			if let Some((task, o)) =
				outputs.iter().enumerate().find(|(_, o)| o.stdout.len() != tile)
			{
				return Err(CliError::Incomplete(format!(
					"task {task} gave {} bytes, not a {width}×{height} tile ({tile} bytes)",
					o.stdout.len()
				)));
			}
			let rows = (outputs.len() as u32).div_ceil(columns);
			let (image_width, image_height) = (columns * width, rows * height);
			let mut pixels = vec![0u8; image_width as usize * image_height as usize];
			for (k, output) in outputs.iter().enumerate() {
				let (tx, ty) = (k as u32 % columns, k as u32 / columns);
				for y in 0..height as usize {
					let from = y * width as usize;
					let to = (ty as usize * height as usize + y) * image_width as usize
						+ tx as usize * width as usize;
					pixels[to..to + width as usize]
						.copy_from_slice(&output.stdout[from..from + width as usize]);
				}
			}
			let file = out.join("image.png");
			std::fs::write(&file, png::encode_gray(image_width, image_height, &pixels))?;
			Ok(format!("{image_width}×{image_height} image in {}", file.display()))
		},
		Reduce::Counts => {
			let mut counts: BTreeMap<String, u64> = BTreeMap::new();
			for (task, output) in outputs.iter().enumerate() {
				for line in
					String::from_utf8_lossy(&output.stdout).lines().filter(|l| !l.is_empty())
				{
					let parsed = line
						.rsplit_once('\t')
						.and_then(|(word, n)| Some((word, n.parse::<u64>().ok()?)));
					let Some((word, n)) = parsed else {
						return Err(CliError::Incomplete(format!(
							"task {task} printed `{line}`, not `word<TAB>count`"
						)));
					};
					*counts.entry(word.to_string()).or_default() += n;
				}
			}
			let mut ranked: Vec<(&String, &u64)> = counts.iter().collect();
			ranked.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
			let text: String = ranked.iter().map(|(w, n)| format!("{w}\t{n}\n")).collect();
			std::fs::write(out.join("counts.tsv"), text)?;
			let top: Vec<String> =
				ranked.iter().take(10).map(|(w, n)| format!("{w} {n}")).collect();
			Ok(format!("{} distinct words; top: {}", counts.len(), top.join(", ")))
		},
	}
}

fn list(tasks: &[usize]) -> String {
	let shown: Vec<String> = tasks.iter().take(10).map(|t| t.to_string()).collect();
	if tasks.len() > 10 {
		format!("{}, ...", shown.join(", "))
	} else {
		shown.join(", ")
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use conun_primitives::TaskStatus;

	fn ok(stdout: &[u8]) -> Option<TaskOutput> {
		Some(TaskOutput::of_run(TaskStatus::Exited(0), stdout.to_vec(), Vec::new()))
	}

	#[test]
	fn sums_counts_and_refusals() {
		let dir = tempfile::tempdir().unwrap();
		assert_eq!(reduce(Reduce::Sum, &[ok(b"3\n"), ok(b"4\n")], dir.path()).unwrap(), "sum = 7");
		assert_eq!(std::fs::read_to_string(dir.path().join("answer.txt")).unwrap(), "7\n");
		assert!(matches!(
			reduce(Reduce::Sum, &[ok(b"3"), None], dir.path()),
			Err(CliError::Incomplete(_))
		));
		let trapped = Some(TaskOutput::empty(TaskStatus::Trapped));
		assert!(matches!(
			reduce(Reduce::Sum, &[trapped], dir.path()),
			Err(CliError::Incomplete(_))
		));
		reduce(Reduce::Counts, &[ok(b"a\t2\nb\t1\n"), ok(b"b\t5\n")], dir.path()).unwrap();
		assert_eq!(std::fs::read_to_string(dir.path().join("counts.tsv")).unwrap(), "b\t6\na\t2\n");
	}

	#[test]
	fn tiles_are_stitched_in_rows() {
		let dir = tempfile::tempdir().unwrap();
		let tiles = [ok(&[1; 4]), ok(&[2; 4]), ok(&[3; 4])];
		let how = Reduce::Tiles { columns: 2, width: 2, height: 2 };
		assert_eq!(
			reduce(how, &tiles, dir.path()).unwrap(),
			format!("4×4 image in {}", dir.path().join("image.png").display())
		);
	}
}
