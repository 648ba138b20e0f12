use std::{
	io,
	process::{Child, Command, ExitStatus},
	time::{Duration, Instant},
};

/// A child process that is killed, and reaped, when its handle is dropped: when the test ends,
/// however it ends (a failed assertion unwinds through it).
#[derive(Debug)]
pub struct Process(Child);

impl Process {
	/// Spawns `command`.
	pub fn spawn(command: &mut Command) -> io::Result<Self> {
		command.spawn().map(Self)
	}

	/// Its process id.
	pub fn id(&self) -> u32 {
		self.0.id()
	}

	/// The child itself, to signal or wait for it by hand.
	pub fn child(&mut self) -> &mut Child {
		&mut self.0
	}

	/// Its exit status, if it has exited ([`Child::try_wait`]).
	pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
		self.0.try_wait()
	}

	/// Waits up to `timeout` for it to exit; `None` if it still runs (it is left running).
	pub fn wait_timeout(&mut self, timeout: Duration) -> io::Result<Option<ExitStatus>> {
		let started = Instant::now();
		loop {
			if let Some(status) = self.0.try_wait()? {
				return Ok(Some(status));
			}
			if started.elapsed() > timeout {
				return Ok(None);
			}
			std::thread::sleep(Duration::from_millis(200));
		}
	}

	/// Kills it (if it still runs) and reaps it.
	pub fn stop(&mut self) {
		let _ = self.0.kill();
		let _ = self.0.wait();
	}
}

impl From<Child> for Process {
	fn from(child: Child) -> Self {
		Self(child)
	}
}

impl Drop for Process {
	fn drop(&mut self) {
		self.stop();
	}
}
