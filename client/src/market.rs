//! The market as a requester sees it: posting and cancelling jobs, their progress task by task,
//! the providers and how to reach them, and the events a job leaves in each block.

use crate::{
	runtime::conun::{
		self,
		runtime_types::{
			bounded_collections::bounded_vec::BoundedVec,
			pallet_market::types::{ReplicaState, TaskInfo},
		},
	},
	AtBlock, Balance, BlockNumber, Chain, ChainError,
};
use conun_primitives::{
	Contact, FailReason, JobId, JobTerms, JobView, MatchQuery, MatchReport, Program, ProviderView,
	TaskIndex, TaskInput, TaskPhase, Unassignable,
};
use subxt::utils::{AccountId32, Static, H256};

/// A job's terms and progress, as the runtime API reports them.
pub type Job = JobView<AccountId32, Balance, BlockNumber>;
/// A provider's registration and record.
pub type Provider = ProviderView<Balance, BlockNumber>;

/// What stays of a job after the chain pruned it, its retention period over: who posted it,
/// how its tasks ended, and `results`, the hash chain of their outcomes
/// ([`conun_primitives::results_chain`]) that proves its verdicts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrunedJob {
	pub owner: AccountId32,
	pub tasks: u32,
	pub verified: u32,
	pub failed: u32,
	pub cancelled: u32,
	pub results: H256,
	pub pruned_at: BlockNumber,
}

/// A block's events, as [`Chain::events`] fetched them.
pub type BlockEvents = subxt::events::Events<crate::ChainConfig>;

/// What a block's events say about a job's tasks ([`Chain::tasks_touched`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TasksTouched {
	/// The tasks an event of the job names.
	pub tasks: std::collections::BTreeSet<TaskIndex>,
	/// An event named the job alone, or could not be read: any task may have changed.
	pub whole_job: bool,
}

/// An account's balance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccountBalance {
	/// What the account can spend (less what is frozen).
	pub free: Balance,
	/// What is held: provider stakes, job escrows.
	pub reserved: Balance,
	/// What of `free` cannot be spent.
	pub frozen: Balance,
}

/// Where one replica of a task is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaProgress {
	Assigned,
	Committed,
	Revealed(H256),
	Missed,
	/// Revealed this result in a round without a majority (a fresh round decides the task), or
	/// in a verdict an escalation has since decided.
	Superseded(H256),
	/// Revealed this result in a verdict that was escalated: a fresh committee decides.
	OnTrial(H256),
	/// Reported that it could not fetch the job's program or input, and was released.
	Unavailable,
}

/// One replica of a task: who runs it and how far it got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaRecord {
	pub provider: AccountId32,
	pub assigned_at: BlockNumber,
	pub progress: ReplicaProgress,
}

/// One task of a job, from storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRecord {
	pub index: TaskIndex,
	pub input: TaskInput,
	pub phase: TaskPhase<BlockNumber>,
	pub replicas: Vec<ReplicaRecord>,
	/// Why the task's missing replicas could not be assigned in the last block that tried.
	pub stalled: Option<Unassignable>,
}

impl TaskRecord {
	/// The providers that revealed `result`, the majority's first, then every other replica's:
	/// the order to ask for a task's result in.
	pub fn holders_of(&self, result: &H256) -> Vec<AccountId32> {
		let (mut agreeing, others): (Vec<_>, Vec<_>) = self
			.replicas
			.iter()
			.partition(|r| r.progress == ReplicaProgress::Revealed(*result));
		agreeing.extend(others);
		agreeing.into_iter().map(|r| r.provider).collect()
	}
}

/// What happened to a job in one block, from the market's events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobEvent {
	Posted {
		budget: Balance,
	},
	Assigned {
		task: TaskIndex,
		provider: AccountId32,
	},
	Unassignable {
		task: TaskIndex,
		reason: Unassignable,
	},
	Committed {
		task: TaskIndex,
		provider: AccountId32,
	},
	Revealed {
		task: TaskIndex,
		provider: AccountId32,
		result: H256,
	},
	Verified {
		task: TaskIndex,
		result: H256,
		agreeing: u32,
	},
	/// A majority revealed `result`; open to challenge until block `until`.
	VerdictReached {
		task: TaskIndex,
		result: H256,
		agreeing: u32,
		until: BlockNumber,
	},
	/// The challenge was decided, by the chain's own run or an escalation's committee:
	/// `upheld` when its result overturned the verdict.
	Refereed {
		task: TaskIndex,
		challenger: AccountId32,
		upheld: bool,
	},
	/// `challenger` escalated the verdict: a fresh committee of `committee` decides it.
	Escalated {
		task: TaskIndex,
		challenger: AccountId32,
		committee: u32,
	},
	/// No majority: the revealers were paid the base fee and a fresh round of `replicas`
	/// decides the task.
	RoundRestarted {
		task: TaskIndex,
		replicas: u32,
	},
	Failed {
		task: TaskIndex,
		reason: FailReason,
	},
	/// The job's tasks found no providers within the market's wait: those without replicas
	/// failed and were refunded.
	Expired {
		reason: Unassignable,
	},
	/// No replacement was found in time: the task goes on with its `replicas` live ones.
	Shortened {
		task: TaskIndex,
		replicas: u32,
	},
	/// No committee could be drawn for an escalation in time: the verdict stands.
	EscalationLapsed {
		task: TaskIndex,
		challenger: AccountId32,
	},
	TaskCancelled {
		task: TaskIndex,
		refunded: Balance,
	},
	Paid {
		task: TaskIndex,
		provider: AccountId32,
		amount: Balance,
	},
	Slashed {
		task: TaskIndex,
		provider: AccountId32,
		amount: Balance,
	},
	Missed {
		task: TaskIndex,
		provider: AccountId32,
		slashed: Balance,
	},
	/// A replica could not fetch the job's program or input, said so, and was released.
	DataUnavailable {
		task: TaskIndex,
		provider: AccountId32,
	},
	/// A task failed for its data and `burned` of the requester's deposit was burned.
	DepositBurned {
		task: TaskIndex,
		burned: Balance,
	},
	Cancelled {
		refunded: Balance,
	},
	Finished {
		verified: u32,
		failed: u32,
		cancelled: u32,
		refunded: Balance,
	},
}

fn task_record(index: TaskIndex, info: TaskInfo) -> TaskRecord {
	TaskRecord {
		index,
		input: info.input.0,
		phase: info.phase.0,
		replicas: info
			.replicas
			.0
			.into_iter()
			.map(|r| ReplicaRecord {
				provider: r.provider,
				assigned_at: r.assigned_at,
				progress: match r.state {
					ReplicaState::Assigned => ReplicaProgress::Assigned,
					ReplicaState::Committed { .. } => ReplicaProgress::Committed,
					ReplicaState::Revealed { result } => ReplicaProgress::Revealed(result),
					ReplicaState::Missed => ReplicaProgress::Missed,
					ReplicaState::Superseded { result } => ReplicaProgress::Superseded(result),
					ReplicaState::OnTrial { result } => ReplicaProgress::OnTrial(result),
					ReplicaState::Unavailable => ReplicaProgress::Unavailable,
				},
			})
			.collect(),
		stalled: info.stalled.map(|Static(reason)| reason),
	}
}

impl Chain {
	/// A job's terms and progress at `at`, if it exists.
	pub async fn job(&self, at: &AtBlock, job: JobId) -> Result<Option<Job>, ChainError> {
		let call = conun::runtime_apis().compute_market_api().job(job);
		Ok(at.runtime_apis().call(call).await?.map(|Static(view)| view))
	}

	/// What stays of `job` at `at` if it ended and was pruned: its record.
	pub async fn job_record(
		&self,
		at: &AtBlock,
		job: JobId,
	) -> Result<Option<PrunedJob>, ChainError> {
		let value = at.storage().try_fetch(conun::storage().market().job_records(), (job,)).await?;
		Ok(match value {
			Some(value) => {
				let record = value.decode()?;
				Some(PrunedJob {
					owner: record.owner,
					tasks: record.tasks,
					verified: record.verified,
					failed: record.failed,
					cancelled: record.cancelled,
					results: record.results,
					pruned_at: record.pruned_at,
				})
			},
			None => None,
		})
	}

	/// Which providers could take a job with these requirements at `at`, and if too few, why.
	pub async fn match_job(
		&self,
		at: &AtBlock,
		query: MatchQuery<Balance>,
	) -> Result<MatchReport, ChainError> {
		let call = conun::runtime_apis().compute_market_api().match_job(Static(query));
		Ok(at.runtime_apis().call(call).await?.0)
	}

	/// Every task of `job` at `at`, in task order.
	pub async fn tasks(&self, at: &AtBlock, job: JobId) -> Result<Vec<TaskRecord>, ChainError> {
		let mut entries = at.storage().iter(conun::storage().market().tasks(), (job,)).await?;
		let mut tasks = Vec::new();
		while let Some(entry) = entries.next().await {
			let entry = entry?;
			let (_, index): (JobId, TaskIndex) = entry.key()?.decode()?;
			tasks.push(task_record(index, entry.value().decode()?));
		}
		tasks.sort_by_key(|t| t.index);
		Ok(tasks)
	}

	/// The tasks of `job` numbered `indices` at `at`, as `(index, record)`, the record `None`
	/// for a task the chain no longer holds (pruned) or never held. One request per 512 tasks,
	/// where [`Chain::tasks`] walks every task of the job.
	pub async fn tasks_numbered(
		&self,
		at: &AtBlock,
		job: JobId,
		indices: impl IntoIterator<Item = TaskIndex>,
	) -> Result<Vec<(TaskIndex, Option<TaskRecord>)>, ChainError> {
		use subxt::ext::scale_decode::DecodeAsType;
		const PER_REQUEST: usize = 512;
		let storage = at.storage();
		let entry = storage.entry(conun::storage().market().tasks())?;
		let metadata = at.metadata();
		let value_type = metadata
			.pallet_by_name("Market")
			.and_then(|market| market.storage())
			.and_then(|storage| storage.entry_by_name("Tasks"))
			.map(|tasks| tasks.value_ty())
			.ok_or(ChainError::Undecodable {
				what: "the metadata",
				reason: "no Market.Tasks".into(),
			})?;
		let mut by_key = std::collections::HashMap::new();
		for index in indices {
			by_key.insert(entry.fetch_key((job, index))?, index);
		}
		let keys: Vec<&Vec<u8>> = by_key.keys().collect();
		let mut found = std::collections::BTreeMap::new();
		for chunk in keys.chunks(PER_REQUEST) {
			let sets = self
				.rpc()
				.state_query_storage_at(
					chunk.iter().map(|key| key.as_slice()),
					Some(at.block_hash()),
				)
				.await?;
			for (key, value) in sets.into_iter().flat_map(|set| set.changes) {
				let (Some(index), Some(value)) = (by_key.get(&key.0), value) else { continue };
				let info =
					TaskInfo::decode_as_type(&mut &value.0[..], value_type, metadata.types())
						.map_err(|error| ChainError::Undecodable {
							what: "a task",
							reason: error.to_string(),
						})?;
				found.insert(*index, task_record(*index, info));
			}
		}
		let mut tasks: Vec<_> =
			by_key.into_values().map(|index| (index, found.remove(&index))).collect();
		tasks.sort_by_key(|(index, _)| *index);
		Ok(tasks)
	}

	/// Which of `job`'s tasks the market's events in the block at `at` name, and whether one of
	/// them names the job alone (posted, cancelled, expired, finished, pruned), after which any
	/// of its tasks may have changed. Read from the events' field names in the metadata, so
	/// that an event added later is counted without a change here.
	pub async fn tasks_touched(
		&self,
		at: &AtBlock,
		job: JobId,
	) -> Result<TasksTouched, ChainError> {
		Self::tasks_touched_in(at, &self.events(at).await?, job)
	}

	/// [`Chain::tasks_touched`] in `events`, the events of the block at `at`.
	pub fn tasks_touched_in(
		at: &AtBlock,
		events: &BlockEvents,
		job: JobId,
	) -> Result<TasksTouched, ChainError> {
		use codec::Decode;
		let mut touched = TasksTouched::default();
		let metadata = at.metadata();
		let Some(market) = metadata.pallet_by_name("Market") else {
			touched.whole_job = true;
			return Ok(touched);
		};
		for event in events.iter() {
			let event = event?;
			if event.pallet_name() != "Market" {
				continue;
			}
			let Some(variant) = market.event_variant_by_index(event.event_index()) else {
				touched.whole_job = true;
				continue;
			};
			let named = |at: usize, name: &str| {
				variant.fields.get(at).and_then(|field| field.name.as_deref()) == Some(name)
			};
			if !named(0, "job") {
				continue;
			}
			let mut fields = event.field_bytes();
			match JobId::decode(&mut fields) {
				Ok(id) if id != job => continue,
				Ok(_) => {},
				Err(_) => {
					touched.whole_job = true;
					continue;
				},
			}
			match named(1, "task").then(|| TaskIndex::decode(&mut fields)) {
				Some(Ok(task)) => {
					touched.tasks.insert(task);
				},
				_ => touched.whole_job = true,
			}
		}
		Ok(touched)
	}

	/// One task of `job` at `at`.
	pub async fn task(
		&self,
		at: &AtBlock,
		job: JobId,
		task: TaskIndex,
	) -> Result<Option<TaskRecord>, ChainError> {
		let value = at.storage().try_fetch(conun::storage().market().tasks(), (job, task)).await?;
		Ok(match value {
			Some(value) => Some(task_record(task, value.decode()?)),
			None => None,
		})
	}

	/// Every registered provider and its record at `at`.
	pub async fn providers(
		&self,
		at: &AtBlock,
	) -> Result<Vec<(AccountId32, Provider)>, ChainError> {
		let mut entries = at.storage().iter(conun::storage().market().providers(), ()).await?;
		let mut accounts = Vec::new();
		while let Some(entry) = entries.next().await {
			let (account,): (AccountId32,) = entry?.key()?.decode()?;
			accounts.push(account);
		}
		let mut providers = Vec::with_capacity(accounts.len());
		for account in accounts {
			if let Some(view) = self.provider(at, &account).await? {
				providers.push((account, view));
			}
		}
		providers.sort_by_key(|(account, _)| account.0);
		Ok(providers)
	}

	/// How to reach `who` over libp2p, as it published it.
	pub async fn contact(
		&self,
		at: &AtBlock,
		who: &AccountId32,
	) -> Result<Option<Contact>, ChainError> {
		let value = at
			.storage()
			.try_fetch(conun::storage().market().provider_contacts(), (*who,))
			.await?;
		Ok(match value {
			Some(value) => Some(value.decode()?.0),
			None => None,
		})
	}

	/// `who`'s balance at `at`.
	pub async fn balance_of(
		&self,
		at: &AtBlock,
		who: &AccountId32,
	) -> Result<AccountBalance, ChainError> {
		let account = at.storage().fetch(conun::storage().system().account(), (*who,)).await?;
		let data = account.decode()?.data;
		Ok(AccountBalance { free: data.free, reserved: data.reserved, frozen: data.frozen })
	}

	/// Posts a job and waits until it is in a block; returns its id and the budget held.
	pub async fn post_job(
		&self,
		program: Program,
		inputs: Vec<TaskInput>,
		terms: JobTerms<Balance, BlockNumber>,
		contact: Contact,
	) -> Result<(JobId, Balance), ChainError> {
		let (_, events) =
			self.submit_for_events(&post_job_call(program, inputs, terms, contact)).await?;
		match events.find_first::<conun::market::events::JobPosted>() {
			Some(Ok(posted)) => Ok((posted.job, posted.budget)),
			Some(Err(error)) => Err(subxt::Error::from(error).into()),
			None => Err(ChainError::MissingEvent("JobPosted")),
		}
	}

	/// What posting this job would cost in transaction fees now.
	pub async fn post_job_fee(
		&self,
		program: Program,
		inputs: Vec<TaskInput>,
		terms: JobTerms<Balance, BlockNumber>,
		contact: Contact,
	) -> Result<Balance, ChainError> {
		self.fee_estimate(&post_job_call(program, inputs, terms, contact)).await
	}

	/// Cancels an open job of the signer's.
	pub async fn cancel_job(&self, job: JobId) -> Result<(), ChainError> {
		self.submit_and_wait(&conun::tx().market().cancel_job(job)).await
	}

	/// Sends `amount` to `to`, keeping the sender's account alive.
	pub async fn transfer(&self, to: &AccountId32, amount: Balance) -> Result<(), ChainError> {
		let call = conun::tx().balances().transfer_keep_alive((*to).into(), amount);
		self.submit_and_wait(&call).await
	}

	/// The events of the block at `at`, to read with [`Chain::job_events_in`] and
	/// [`Chain::tasks_touched_in`] without fetching them twice.
	pub async fn events(&self, at: &AtBlock) -> Result<BlockEvents, ChainError> {
		Ok(at.events().fetch().await?)
	}

	/// What happened to `job` in the block `at`.
	pub async fn job_events(&self, at: &AtBlock, job: JobId) -> Result<Vec<JobEvent>, ChainError> {
		Self::job_events_in(&self.events(at).await?, job)
	}

	/// What happened to `job` in a block whose events are `events`.
	pub fn job_events_in(events: &BlockEvents, job: JobId) -> Result<Vec<JobEvent>, ChainError> {
		use conun::market::events as e;
		let mut out = Vec::new();
		macro_rules! collect {
			($event:ty, |$v:ident| $make:expr) => {
				for $v in events.find::<$event>() {
					let $v = $v?;
					if $v.job == job {
						out.push($make);
					}
				}
			};
		}
		collect!(e::JobPosted, |v| JobEvent::Posted { budget: v.budget });
		collect!(e::ReplicaAssigned, |v| JobEvent::Assigned { task: v.task, provider: v.provider });
		collect!(e::TaskUnassignable, |v| JobEvent::Unassignable {
			task: v.task,
			reason: v.reason.0
		});
		collect!(e::ResultCommitted, |v| JobEvent::Committed {
			task: v.task,
			provider: v.provider
		});
		collect!(e::ResultRevealed, |v| JobEvent::Revealed {
			task: v.task,
			provider: v.provider,
			result: v.result
		});
		collect!(e::TaskVerified, |v| JobEvent::Verified {
			task: v.task,
			result: v.result,
			agreeing: v.agreeing
		});
		collect!(e::VerdictReached, |v| JobEvent::VerdictReached {
			task: v.task,
			result: v.result,
			agreeing: v.agreeing,
			until: v.until
		});
		collect!(e::Escalated, |v| JobEvent::Escalated {
			task: v.task,
			challenger: v.challenger,
			committee: v.committee
		});
		collect!(e::ChallengeUpheld, |v| JobEvent::Refereed {
			task: v.task,
			challenger: v.challenger,
			upheld: true
		});
		collect!(e::ChallengeRejected, |v| JobEvent::Refereed {
			task: v.task,
			challenger: v.challenger,
			upheld: false
		});
		collect!(e::RoundRestarted, |v| JobEvent::RoundRestarted {
			task: v.task,
			replicas: v.replicas
		});
		collect!(e::TaskFailed, |v| JobEvent::Failed { task: v.task, reason: v.reason.0 });
		collect!(e::JobExpired, |v| JobEvent::Expired { reason: v.reason.0 });
		collect!(e::TaskShortened, |v| JobEvent::Shortened { task: v.task, replicas: v.replicas });
		collect!(e::EscalationLapsed, |v| JobEvent::EscalationLapsed {
			task: v.task,
			challenger: v.challenger
		});
		collect!(e::TaskCancelled, |v| JobEvent::TaskCancelled {
			task: v.task,
			refunded: v.refunded
		});
		collect!(e::ReplicaPaid, |v| JobEvent::Paid {
			task: v.task,
			provider: v.provider,
			amount: v.amount
		});
		collect!(e::ReplicaSlashed, |v| JobEvent::Slashed {
			task: v.task,
			provider: v.provider,
			amount: v.amount
		});
		collect!(e::ReplicaMissed, |v| JobEvent::Missed {
			task: v.task,
			provider: v.provider,
			slashed: v.slashed
		});
		collect!(e::DataUnavailable, |v| JobEvent::DataUnavailable {
			task: v.task,
			provider: v.provider
		});
		collect!(e::DepositBurned, |v| JobEvent::DepositBurned { task: v.task, burned: v.burned });
		collect!(e::JobCancelled, |v| JobEvent::Cancelled { refunded: v.refunded });
		collect!(e::JobFinished, |v| JobEvent::Finished {
			verified: v.verified,
			failed: v.failed,
			cancelled: v.cancelled,
			refunded: v.refunded
		});
		Ok(out)
	}
}

fn post_job_call(
	program: Program,
	inputs: Vec<TaskInput>,
	terms: JobTerms<Balance, BlockNumber>,
	contact: Contact,
) -> impl subxt::transactions::Payload {
	conun::tx().market().post_job(
		Static(program),
		BoundedVec(inputs.into_iter().map(Static).collect()),
		Static(terms),
		Static(contact),
	)
}
