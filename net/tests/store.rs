//! The blob store on its own: imports, manifests, staging, crash safety, garbage collection.

mod common;
use common::varied;
use conun_net::{store::Manifest, BlobStore, GcReport, StoreError};
use conun_primitives::{content_hash, ContentHasher, CHUNK_SIZE};
use std::{fs, thread::sleep, time::Duration};

fn manifest_of(bytes: &[u8]) -> Manifest {
	let mut hasher = ContentHasher::new();
	hasher.update(bytes);
	let (size, chunks, _) = hasher.finish();
	Manifest { size, chunks }
}

#[test]
fn imports_are_content_addressed_and_chunks_read_back() {
	let dir = tempfile::tempdir().unwrap();
	let store = BlobStore::open(dir.path()).unwrap();
	let bytes = varied(2 * CHUNK_SIZE + 777, 1);
	let hash = store.import_bytes(&bytes).unwrap();
	assert_eq!(hash, content_hash(&bytes));
	assert!(store.contains(hash));
	assert_eq!(store.read(hash).unwrap(), bytes);
	assert_eq!(store.manifest(hash).unwrap(), manifest_of(&bytes));
	assert_eq!(store.read_chunk(hash, 2).unwrap(), &bytes[2 * CHUNK_SIZE..]);
	assert!(matches!(
		store.read_chunk(hash, 3),
		Err(StoreError::NoSuchChunk { index: 3, count: 3, .. })
	));

	let source = dir.path().join("input.bin");
	fs::write(&source, &bytes[..CHUNK_SIZE + 5]).unwrap();
	let (file_hash, size) = store.import_file(&source).unwrap();
	assert_eq!((file_hash, size), (content_hash(&bytes[..CHUNK_SIZE + 5]), CHUNK_SIZE as u64 + 5));
	assert_eq!(store.total_bytes().unwrap(), bytes.len() as u64 + size);
	let mut listed = store.list().unwrap();
	listed.sort();
	let mut expected = vec![hash, file_hash];
	expected.sort();
	assert_eq!(listed, expected);

	// A lost or damaged manifest sidecar is rebuilt from the bytes.
	let sidecar = store.path(hash).unwrap().with_extension("manifest");
	fs::write(&sidecar, b"garbage").unwrap();
	assert_eq!(store.manifest(hash).unwrap(), manifest_of(&bytes));
	assert!(store
		.read(content_hash(b"absent"))
		.unwrap_err()
		.to_string()
		.contains("not in the store"));
}

#[test]
fn staging_checks_every_chunk_and_shows_nothing_until_complete() {
	let dir = tempfile::tempdir().unwrap();
	let store = BlobStore::open(dir.path()).unwrap();
	let bytes = varied(3 * CHUNK_SIZE - 10, 2);
	let (hash, manifest) = (content_hash(&bytes), manifest_of(&bytes));
	let blobs = dir.path().join("blobs");
	let visible = || {
		fs::read_dir(&blobs)
			.unwrap()
			.filter(|e| !e.as_ref().unwrap().file_name().to_string_lossy().starts_with(".tmp"))
			.count()
	};

	// A manifest that is not the hash's is refused before anything is written.
	let mut wrong = manifest.clone();
	wrong.chunks.swap(0, 1);
	assert!(matches!(store.stage(hash, wrong), Err(StoreError::ManifestMismatch(_))));

	let staging = store.stage(hash, manifest.clone()).unwrap();
	let mut bad = bytes[CHUNK_SIZE..2 * CHUNK_SIZE].to_vec();
	bad[5] ^= 1;
	assert!(matches!(
		staging.write_chunk(1, &bad),
		Err(StoreError::ChunkMismatch { index: 1, .. })
	));
	staging.write_chunk(2, &bytes[2 * CHUNK_SIZE..]).unwrap();
	staging.write_chunk(0, &bytes[..CHUNK_SIZE]).unwrap();
	assert!(!store.contains(hash));
	assert_eq!(visible(), 0);
	assert!(matches!(staging.commit(), Err(StoreError::Incomplete { missing: 1, .. })));
	assert!(!store.contains(hash));
	assert_eq!(fs::read_dir(&blobs).unwrap().count(), 0, "an abandoned staging leaves no file");

	let staging = store.stage(hash, manifest).unwrap();
	for (index, chunk) in bytes.chunks(CHUNK_SIZE).enumerate().rev() {
		staging.write_chunk(index as u32, chunk).unwrap();
	}
	let path = staging.commit().unwrap();
	assert_eq!(fs::read(path).unwrap(), bytes);
}

#[test]
fn a_crash_mid_import_leaves_no_partial_blob() {
	let dir = tempfile::tempdir().unwrap();
	let store = BlobStore::open(dir.path()).unwrap();
	let kept = store.import_bytes(b"survivor").unwrap();
	let blobs = dir.path().join("blobs");
	// What a crash can leave: a half-written temporary file, and a manifest whose blob was
	// never renamed into place.
	let lost = content_hash(b"never completed");
	fs::write(blobs.join(".tmpCRASH"), b"never comp").unwrap();
	let sidecar = store.path(kept).unwrap().with_extension("manifest");
	let orphan = blobs.join(format!("{}.manifest", hex(lost)));
	fs::copy(&sidecar, &orphan).unwrap();
	assert!(!store.contains(lost));
	assert_eq!(store.list().unwrap(), vec![kept]);
	assert_eq!(store.total_bytes().unwrap(), 8);

	let reopened = BlobStore::open(dir.path()).unwrap();
	assert!(!blobs.join(".tmpCRASH").exists() && !orphan.exists());
	assert!(sidecar.exists());
	assert_eq!(reopened.read(kept).unwrap(), b"survivor");
}

fn hex(hash: polkadot_sdk::sp_core::H256) -> String {
	hash.as_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn garbage_collection_goes_by_retention_then_quota_and_spares_blobs_in_use() {
	let dir = tempfile::tempdir().unwrap();
	let store = BlobStore::open(dir.path()).unwrap();
	let old = store.import_bytes(&varied(1000, 3)).unwrap();
	let old_in_use = store.import_bytes(&varied(1100, 4)).unwrap();
	let old_touched = store.import_bytes(&varied(1200, 5)).unwrap();
	sleep(Duration::from_millis(1200));
	let fresh_in_use = store.import_bytes(&varied(2000, 6)).unwrap();
	sleep(Duration::from_millis(30));
	let fresh = store.import_bytes(&varied(3000, 7)).unwrap();
	sleep(Duration::from_millis(30));
	store.touch(old_touched).unwrap();

	let in_use = |h| h == old_in_use || h == fresh_in_use;
	let report = store.collect_garbage(Duration::from_secs(1), u64::MAX, &in_use).unwrap();
	assert_eq!(report, GcReport { removed: vec![old], freed_bytes: 1000 });
	assert!(!store.contains(old) && store.contains(old_in_use));

	// Over quota: least recently used first (`fresh_in_use` is older but in use).
	let quota = 1100 + 2000 + 1200;
	let report = store.collect_garbage(Duration::from_secs(3600), quota, &in_use).unwrap();
	assert_eq!(report, GcReport { removed: vec![fresh], freed_bytes: 3000 });
	assert_eq!(store.total_bytes().unwrap(), quota);

	// Blobs in use are kept even when the quota cannot be met.
	let report = store.collect_garbage(Duration::from_secs(3600), 0, &in_use).unwrap();
	assert_eq!(report, GcReport { removed: vec![old_touched], freed_bytes: 1200 });
	let mut left = store.list().unwrap();
	left.sort();
	let mut expected = vec![old_in_use, fresh_in_use];
	expected.sort();
	assert_eq!(left, expected);
}

#[test]
fn importing_bytes_already_held_keeps_the_blob_and_marks_it_used() {
	let dir = tempfile::tempdir().unwrap();
	let store = BlobStore::open(dir.path()).unwrap();
	let logs = store.import_bytes(b"").unwrap();
	let other = store.import_bytes(b"another task's result").unwrap();
	sleep(Duration::from_millis(1200));
	// A later task with the same (empty) logs: the same hash, the blob left in place, and
	// garbage collection spares it as a fresh copy.
	assert_eq!(store.import_bytes(b"").unwrap(), logs);
	assert_eq!(store.read(logs).unwrap(), b"");
	let report = store.collect_garbage(Duration::from_secs(1), u64::MAX, &|_| false).unwrap();
	assert_eq!(report.removed, vec![other]);
	assert!(store.contains(logs));
	assert_eq!(store.manifest(logs).unwrap(), manifest_of(b""));
	// Removed meanwhile, it is written again.
	store.remove(logs).unwrap();
	assert_eq!(store.import_bytes(b"").unwrap(), logs);
	assert_eq!(store.read(logs).unwrap(), b"");
}
