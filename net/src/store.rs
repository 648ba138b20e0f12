//! A content-addressed blob directory.
//!
//! Layout: `<root>/blobs/<hex hash>` holds a blob's bytes and `<hex hash>.manifest` its
//! [`Manifest`] (size and chunk hashes), so that serving a chunk never rehashes the blob.
//! Everything is written to a `.tmp*` file in the same directory and renamed into place: the
//! manifest first, the bytes last. A blob therefore exists exactly when its data file does, and
//! a crash leaves at worst temporary files and an orphan manifest, which [`BlobStore::open`]
//! removes. A data file's modification time records when the blob was last used; garbage
//! collection goes by it.

use crate::hex;
use codec::{Decode, Encode};
use conun_primitives::{chunk_count, chunk_hash, hash_of_chunks, ContentHasher, CHUNK_SIZE};
use polkadot_sdk::sp_core::H256;
use std::{
	fs::{self, File},
	io::{self, Read, Seek, SeekFrom, Write},
	os::unix::fs::FileExt,
	path::{Path, PathBuf},
	sync::Mutex,
	time::{Duration, SystemTime},
};

/// The largest blob the data plane handles: 4 GiB, i.e. 4096 chunks.
pub const MAX_BLOB_SIZE: u64 = 4 << 30;
/// The most chunks a blob (and so a manifest) has.
pub const MAX_CHUNKS: usize = (MAX_BLOB_SIZE / CHUNK_SIZE as u64) as usize;

/// What a fetcher needs before the bytes: the blob's size and the hash of each chunk.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct Manifest {
	pub size: u64,
	pub chunks: Vec<H256>,
}

impl Manifest {
	/// The content hash this manifest stands for.
	pub fn hash(&self) -> H256 {
		hash_of_chunks(self.size, &self.chunks)
	}

	/// Whether the chunk list has the length the size implies (a manifest that does not is
	/// malformed whatever its hash).
	pub fn is_well_formed(&self) -> bool {
		self.size <= MAX_BLOB_SIZE && chunk_count(self.size) == self.chunks.len() as u64
	}

	/// The length of chunk `index` (every chunk is full but the last).
	pub fn chunk_len(&self, index: u32) -> usize {
		let start = index as u64 * CHUNK_SIZE as u64;
		self.size.saturating_sub(start).min(CHUNK_SIZE as u64) as usize
	}
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
	#[error("blob store i/o error on {path}: {source}")]
	Io { path: PathBuf, source: io::Error },
	#[error("blob {0:?} is not in the store")]
	NotFound(H256),
	#[error("blob {hash:?} has {count} chunks, there is no chunk {index}")]
	NoSuchChunk { hash: H256, index: u32, count: usize },
	#[error("chunk {index} of blob {hash:?} does not match its hash in the manifest")]
	ChunkMismatch { hash: H256, index: u32 },
	#[error("the manifest does not match blob hash {0:?}")]
	ManifestMismatch(H256),
	#[error("blob {hash:?} is incomplete: {missing} chunks were never written")]
	Incomplete { hash: H256, missing: usize },
	#[error("blob of {size} bytes exceeds the {MAX_BLOB_SIZE}-byte limit")]
	TooLarge { size: u64 },
}

type Result<T> = std::result::Result<T, StoreError>;

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
	move |source| StoreError::Io { path: path.to_owned(), source }
}

/// Reads a file through, hashing it and handing every piece to `sink`.
fn hash_file(path: &Path, mut sink: impl FnMut(&[u8]) -> Result<()>) -> Result<ContentHasher> {
	let mut file = File::open(path).map_err(io_err(path))?;
	let (mut hasher, mut buf) = (ContentHasher::new(), vec![0u8; CHUNK_SIZE]);
	loop {
		match file.read(&mut buf).map_err(io_err(path))? {
			0 => return Ok(hasher),
			n => {
				hasher.update(&buf[..n]);
				sink(&buf[..n])?;
			},
		}
	}
}

/// What one garbage collection removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct GcReport {
	pub removed: Vec<H256>,
	pub freed_bytes: u64,
}

/// A content-addressed directory of blobs. Safe to share between threads: every change is a
/// rename, which the file system makes atomic.
#[derive(Debug, Clone)]
pub struct BlobStore {
	dir: PathBuf,
}

impl BlobStore {
	/// Opens (creating if needed) the store under `root`, clearing what a crash left behind.
	pub fn open(root: impl AsRef<Path>) -> Result<Self> {
		let dir = root.as_ref().join("blobs");
		fs::create_dir_all(&dir).map_err(io_err(&dir))?;
		let store = Self { dir };
		for entry in fs::read_dir(&store.dir).map_err(io_err(&store.dir))? {
			let path = entry.map_err(io_err(&store.dir))?.path();
			let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
			let orphan_manifest = name
				.strip_suffix(".manifest")
				.and_then(hex::decode)
				.is_some_and(|hash| !store.contains(hash));
			if name.starts_with(".tmp") || orphan_manifest {
				fs::remove_file(&path).map_err(io_err(&path))?;
			}
		}
		Ok(store)
	}

	fn data_path(&self, hash: H256) -> PathBuf {
		self.dir.join(hex::encode(hash))
	}

	fn manifest_path(&self, hash: H256) -> PathBuf {
		self.dir.join(format!("{}.manifest", hex::encode(hash)))
	}

	fn temp_file(&self) -> Result<tempfile::NamedTempFile> {
		tempfile::Builder::new()
			.prefix(".tmp")
			.tempfile_in(&self.dir)
			.map_err(io_err(&self.dir))
	}

	pub fn contains(&self, hash: H256) -> bool {
		self.data_path(hash).is_file()
	}

	/// Where the blob's bytes are, if the store holds it.
	pub fn path(&self, hash: H256) -> Option<PathBuf> {
		Some(self.data_path(hash)).filter(|p| p.is_file())
	}

	/// Every blob held.
	pub fn list(&self) -> Result<Vec<H256>> {
		let mut hashes = Vec::new();
		for entry in fs::read_dir(&self.dir).map_err(io_err(&self.dir))? {
			let entry = entry.map_err(io_err(&self.dir))?;
			if let Some(hash) = entry.file_name().to_str().and_then(hex::decode) {
				hashes.push(hash);
			}
		}
		Ok(hashes)
	}

	/// Stores bytes held in memory and returns their content hash. Bytes the store already
	/// holds (every task's empty logs, a result many tasks share) are not written again, which
	/// would wait for the disk once more: the blob in place is marked as just used instead, so
	/// that garbage collection spares it as it would a fresh copy.
	pub fn import_bytes(&self, bytes: &[u8]) -> Result<H256> {
		let mut hasher = ContentHasher::new();
		hasher.update(bytes);
		let (size, chunks, hash) = hasher.finish();
		if size > MAX_BLOB_SIZE {
			return Err(StoreError::TooLarge { size });
		}
		match self.touch(hash) {
			Ok(()) => return Ok(hash),
			// Not held (or removed meanwhile): write it.
			Err(StoreError::NotFound(_)) => {},
			Err(StoreError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {},
			Err(error) => return Err(error),
		}
		let mut temp = self.temp_file()?;
		temp.write_all(bytes).map_err(io_err(temp.path()))?;
		self.commit(hash, &Manifest { size, chunks }, temp)?;
		Ok(hash)
	}

	/// Copies a file into the store, hashing it on the way, and returns its hash and size.
	pub fn import_file(&self, source: &Path) -> Result<(H256, u64)> {
		let mut temp = self.temp_file()?;
		let hasher = hash_file(source, |piece| temp.write_all(piece).map_err(io_err(temp.path())))?;
		self.install(temp, hasher)
	}

	fn install(&self, temp: tempfile::NamedTempFile, hasher: ContentHasher) -> Result<(H256, u64)> {
		let (size, chunks, hash) = hasher.finish();
		if size > MAX_BLOB_SIZE {
			return Err(StoreError::TooLarge { size });
		}
		self.commit(hash, &Manifest { size, chunks }, temp)?;
		Ok((hash, size))
	}

	/// Moves a complete, verified blob into place: manifest first, then the bytes.
	fn commit(
		&self,
		hash: H256,
		manifest: &Manifest,
		temp: tempfile::NamedTempFile,
	) -> Result<PathBuf> {
		temp.as_file().sync_all().map_err(io_err(temp.path()))?;
		let mut sidecar = self.temp_file()?;
		sidecar.write_all(&manifest.encode()).map_err(io_err(sidecar.path()))?;
		let manifest_path = self.manifest_path(hash);
		sidecar
			.persist(&manifest_path)
			.map_err(|e| StoreError::Io { path: manifest_path, source: e.error })?;
		let path = self.data_path(hash);
		temp.persist(&path)
			.map_err(|e| StoreError::Io { path: path.clone(), source: e.error })?;
		Ok(path)
	}

	/// The whole blob, in memory.
	pub fn read(&self, hash: H256) -> Result<Vec<u8>> {
		let path = self.path(hash).ok_or(StoreError::NotFound(hash))?;
		fs::read(&path).map_err(io_err(&path))
	}

	/// The blob's manifest, from its sidecar; rebuilt from the bytes if the sidecar is missing or
	/// does not match the hash.
	pub fn manifest(&self, hash: H256) -> Result<Manifest> {
		let path = self.path(hash).ok_or(StoreError::NotFound(hash))?;
		let sidecar = fs::read(self.manifest_path(hash)).ok();
		if let Some(manifest) = sidecar.and_then(|b| Manifest::decode(&mut &b[..]).ok()) {
			if manifest.hash() == hash {
				return Ok(manifest);
			}
		}
		let (size, chunks, actual) = hash_file(&path, |_| Ok(()))?.finish();
		if actual != hash {
			return Err(StoreError::ManifestMismatch(hash));
		}
		let manifest = Manifest { size, chunks };
		let manifest_path = self.manifest_path(hash);
		fs::write(&manifest_path, manifest.encode()).map_err(io_err(&manifest_path))?;
		Ok(manifest)
	}

	/// One chunk's bytes, read at its offset without rehashing (the fetcher checks them).
	pub fn read_chunk(&self, hash: H256, index: u32) -> Result<Vec<u8>> {
		let manifest = self.manifest(hash)?;
		if index as usize >= manifest.chunks.len() {
			return Err(StoreError::NoSuchChunk { hash, index, count: manifest.chunks.len() });
		}
		let path = self.data_path(hash);
		let mut file = File::open(&path).map_err(io_err(&path))?;
		file.seek(SeekFrom::Start(index as u64 * CHUNK_SIZE as u64))
			.map_err(io_err(&path))?;
		let mut bytes = vec![0u8; manifest.chunk_len(index)];
		file.read_exact(&mut bytes).map_err(io_err(&path))?;
		Ok(bytes)
	}

	/// Marks the blob as just used, so that garbage collection spares it longest.
	pub fn touch(&self, hash: H256) -> Result<()> {
		let path = self.path(hash).ok_or(StoreError::NotFound(hash))?;
		let file = File::open(&path).map_err(io_err(&path))?;
		file.set_modified(SystemTime::now()).map_err(io_err(&path))
	}

	/// The size of every blob held, in bytes (manifests not counted).
	pub fn total_bytes(&self) -> Result<u64> {
		Ok(self.usage()?.iter().map(|(_, size, _)| size).sum())
	}

	fn usage(&self) -> Result<Vec<(H256, u64, SystemTime)>> {
		let mut usage = Vec::new();
		for hash in self.list()? {
			let path = self.data_path(hash);
			match fs::metadata(&path) {
				Ok(meta) => usage.push((hash, meta.len(), meta.modified().map_err(io_err(&path))?)),
				Err(e) if e.kind() == io::ErrorKind::NotFound => {}, // removed meanwhile
				Err(e) => return Err(io_err(&path)(e)),
			}
		}
		Ok(usage)
	}

	/// Removes every blob unused for longer than `retention`, then the least recently used ones
	/// until the store holds at most `quota_bytes`. Blobs for which `keep` is true (inputs of a
	/// running task, results not yet fetched) are never removed, even over quota.
	pub fn collect_garbage(
		&self,
		retention: Duration,
		quota_bytes: u64,
		keep: &dyn Fn(H256) -> bool,
	) -> Result<GcReport> {
		let now = SystemTime::now();
		let mut usage = self.usage()?;
		let mut total: u64 = usage.iter().map(|(_, size, _)| size).sum();
		usage.sort_by_key(|(_, _, used)| *used);
		let mut report = GcReport::default();
		for (hash, size, used) in usage {
			let expired = now.duration_since(used).unwrap_or_default() > retention;
			if (expired || total > quota_bytes) && !keep(hash) {
				self.remove(hash)?;
				total -= size;
				report.removed.push(hash);
				report.freed_bytes += size;
			}
		}
		Ok(report)
	}

	/// Removes a blob: its bytes first, so it stops existing before its manifest goes.
	pub fn remove(&self, hash: H256) -> Result<()> {
		for path in [self.data_path(hash), self.manifest_path(hash)] {
			match fs::remove_file(&path) {
				Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_err(&path)(e)),
				_ => {},
			}
		}
		Ok(())
	}

	/// Starts receiving blob `hash` chunk by chunk. The manifest must match the hash; nothing is
	/// visible in the store until [`Staging::commit`].
	pub fn stage(&self, hash: H256, manifest: Manifest) -> Result<Staging> {
		if !manifest.is_well_formed() || manifest.hash() != hash {
			return Err(StoreError::ManifestMismatch(hash));
		}
		let temp = self.temp_file()?;
		temp.as_file().set_len(manifest.size).map_err(io_err(temp.path()))?;
		let received = Mutex::new(vec![false; manifest.chunks.len()]);
		Ok(Staging { store: self.clone(), hash, manifest, temp, received })
	}
}

/// A blob being received. Chunks may arrive in any order and from several threads; each is
/// checked against the manifest before it is written.
pub struct Staging {
	store: BlobStore,
	hash: H256,
	manifest: Manifest,
	temp: tempfile::NamedTempFile,
	received: Mutex<Vec<bool>>,
}

impl Staging {
	pub fn hash(&self) -> H256 {
		self.hash
	}

	pub fn manifest(&self) -> &Manifest {
		&self.manifest
	}

	/// Verifies chunk `index` and writes it at its offset.
	pub fn write_chunk(&self, index: u32, bytes: &[u8]) -> Result<()> {
		let expected = self.manifest.chunks.get(index as usize).ok_or(StoreError::NoSuchChunk {
			hash: self.hash,
			index,
			count: self.manifest.chunks.len(),
		})?;
		if bytes.len() != self.manifest.chunk_len(index) || chunk_hash(bytes) != *expected {
			return Err(StoreError::ChunkMismatch { hash: self.hash, index });
		}
		let offset = index as u64 * CHUNK_SIZE as u64;
		self.temp
			.as_file()
			.write_all_at(bytes, offset)
			.map_err(io_err(self.temp.path()))?;
		self.received.lock().unwrap_or_else(|e| e.into_inner())[index as usize] = true;
		Ok(())
	}

	/// Moves the blob into the store once every chunk has been written; dropping a `Staging`
	/// instead deletes what was received.
	pub fn commit(self) -> Result<PathBuf> {
		let received = self.received.into_inner().unwrap_or_else(|e| e.into_inner());
		let missing = received.iter().filter(|r| !**r).count();
		if missing > 0 {
			return Err(StoreError::Incomplete { hash: self.hash, missing });
		}
		self.store.commit(self.hash, &self.manifest, self.temp)
	}
}
