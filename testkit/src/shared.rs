use std::{
	ops::{Deref, DerefMut},
	panic::{self, AssertUnwindSafe},
	sync::{Mutex, MutexGuard, Once, PoisonError, TryLockError},
};

/// A value the tests of one binary share, made by the first to ask and lent to one test at a
/// time: a market (a node and its workers) several tests use in turn. Declare it as a `static`
/// with the number of tests that use it:
///
/// ```text
/// static MARKET: Shared<Market> = Shared::new(3);
/// let market = MARKET.get(Market::start); // the same market in each of the three tests
/// ```
///
/// [`Shared::get`] holds the value until its guard is dropped, so the users take turns whatever
/// `--test-threads` says. A test that panics with it still hands it on (the lock's poisoning is
/// ignored), with whatever that test left on it (a job still running, funds held); a panic
/// while making it leaves none, and the next user makes one again.
/// The value is dropped (its processes killed) when the last of its `users` has finished, or at
/// the process's exit when fewer ran (a filtered run): a `static` is never dropped otherwise.
/// A test must not call `get` on the same value twice at once: it would wait for itself.
pub struct Shared<T> {
	users: usize,
	state: Mutex<State<T>>,
	cleanup: Once,
}

struct State<T> {
	value: Option<T>,
	done: usize,
}

impl<T> Shared<T> {
	/// A value `users` tests will use.
	pub const fn new(users: usize) -> Self {
		Self { users, state: Mutex::new(State { value: None, done: 0 }), cleanup: Once::new() }
	}
}

impl<T: Send + 'static> Shared<T> {
	/// The value, made with `init` if there is none; waits while another test holds it.
	pub fn get(&'static self, init: impl FnOnce() -> T) -> SharedGuard<T> {
		self.cleanup.call_once(|| at_exit(Box::new(move || self.clear())));
		let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
		// Made before `init` runs, so that a panic in it counts as this user's turn too.
		let mut guard = SharedGuard { state, users: self.users };
		if guard.state.value.is_none() {
			guard.state.value = Some(init());
		}
		guard
	}

	/// Drops the value, unless a test holds it.
	fn clear(&self) {
		let mut state = match self.state.try_lock() {
			Ok(state) => state,
			Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
			Err(TryLockError::WouldBlock) => return,
		};
		let value = state.value.take();
		drop(state);
		drop(value);
	}
}

/// A test's turn with a [`Shared`] value: derefs to it; dropping it ends the turn.
pub struct SharedGuard<T: 'static> {
	state: MutexGuard<'static, State<T>>,
	users: usize,
}

impl<T: 'static> Deref for SharedGuard<T> {
	type Target = T;

	fn deref(&self) -> &T {
		self.state.value.as_ref().expect("a shared value exists while it is lent")
	}
}

impl<T: 'static> DerefMut for SharedGuard<T> {
	fn deref_mut(&mut self) -> &mut T {
		self.state.value.as_mut().expect("a shared value exists while it is lent")
	}
}

impl<T: 'static> Drop for SharedGuard<T> {
	fn drop(&mut self) {
		self.state.done += 1;
		if self.state.done >= self.users {
			self.state.value = None;
		}
	}
}

type Hook = Box<dyn FnOnce() + Send>;

static HOOKS: Mutex<Vec<Hook>> = Mutex::new(Vec::new());

extern "C" {
	fn atexit(callback: extern "C" fn()) -> std::os::raw::c_int;
}

/// Runs `hook` when the process exits (libtest ends with `exit`, which runs C's `atexit`
/// handlers, after every test has finished).
fn at_exit(hook: Hook) {
	static REGISTER: Once = Once::new();
	REGISTER.call_once(|| {
		// SAFETY: `run_hooks` is a function with the signature `atexit` expects, and it never
		// unwinds (each hook runs under `catch_unwind`).
		let refused = unsafe { atexit(run_hooks) };
		assert_eq!(refused, 0, "atexit did not take the handler");
	});
	HOOKS.lock().unwrap_or_else(PoisonError::into_inner).push(hook);
}

extern "C" fn run_hooks() {
	let hooks = match HOOKS.try_lock() {
		Ok(mut guard) => std::mem::take(&mut *guard),
		Err(TryLockError::Poisoned(poisoned)) => std::mem::take(&mut *poisoned.into_inner()),
		Err(TryLockError::WouldBlock) => return,
	};
	for hook in hooks.into_iter().rev() {
		let _ = panic::catch_unwind(AssertUnwindSafe(hook));
	}
}
