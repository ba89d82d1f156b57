//! The process-wide interner behind [`Symbol`](super::Symbol): each distinct string is stored
//! once, in an append-only table, and named by a dense `u32` code.
//!
//! * **Interning** hashes the text once (the runtime's fixed hash, so the stored hash is the
//!   same in every run), then looks it up in one of [`SHARDS`] shards chosen by the hash, each a
//!   `hashbrown` table of codes behind its own mutex: threads interning different strings rarely
//!   meet on a lock. A new string is copied into its shard's byte arena and gets the next code.
//! * **Reading** a code (`as_str`, the stored hash) takes no lock: entries live in chunks that
//!   are allocated once, never moved nor freed, the `k`-th chunk twice as large as the one
//!   before, so a code names its chunk and slot by arithmetic.
//!
//! Nothing is ever freed: a string and its entry live as long as the process.

use crate::hash::hash_one;
use std::mem::MaybeUninit;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering};
use std::sync::{LazyLock, Mutex};

/// What the table keeps per code: the text and its hash.
#[derive(Clone, Copy)]
pub(super) struct Entry {
    pub(super) hash: u64,
    pub(super) text: &'static str,
}

/// Number of lock shards (a power of two).
const SHARDS: usize = 64;
/// Entries in the first chunk; chunk `k` holds `FIRST_CHUNK << k`.
const FIRST_CHUNK_BITS: u32 = 8;
/// Enough chunks for every `u32` code.
const CHUNKS: usize = 33 - FIRST_CHUNK_BITS as usize;
/// Bytes of one arena block; longer strings get a block of their own.
const BLOCK: usize = 64 * 1024;

/// The entries, by code: chunk pointers (null until needed) and the next free code.
struct Entries {
    chunks: [AtomicPtr<Entry>; CHUNKS],
    next: AtomicU32,
}

static ENTRIES: Entries = Entries {
    chunks: [const { AtomicPtr::new(ptr::null_mut()) }; CHUNKS],
    next: AtomicU32::new(0),
};

/// The chunk of a code and its slot in the chunk.
#[inline(always)]
fn place(code: u32) -> (usize, usize) {
    let i = code as u64 + (1 << FIRST_CHUNK_BITS);
    let chunk = 63 - i.leading_zeros() - FIRST_CHUNK_BITS;
    (
        chunk as usize,
        (i - (1u64 << (chunk + FIRST_CHUNK_BITS))) as usize,
    )
}

/// The entry of a code handed out by [`intern`].
#[inline(always)]
pub(super) fn entry(code: u32) -> &'static Entry {
    let (chunk, slot) = place(code);
    let base = ENTRIES.chunks[chunk].load(Ordering::Acquire);
    // SAFETY: codes exist only as returned by `intern`, which wrote this slot (in a chunk that
    // is never freed) before returning the code; whoever holds the code got it from that thread
    // through a synchronizing hand-over (a shard lock, a channel, a thread join).
    unsafe { &*base.add(slot) }
}

/// Stores the entry of a new code (called once per code, under its shard's lock).
fn store(code: u32, entry: Entry) {
    let (chunk, slot) = place(code);
    let cell = &ENTRIES.chunks[chunk];
    let mut base = cell.load(Ordering::Acquire);
    if base.is_null() {
        let len = 1usize << (chunk as u32 + FIRST_CHUNK_BITS);
        let fresh = Box::into_raw(Box::<[Entry]>::new_uninit_slice(len)) as *mut MaybeUninit<Entry>;
        let fresh = fresh as *mut Entry;
        base = match cell.compare_exchange(
            ptr::null_mut(),
            fresh,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => fresh,
            Err(theirs) => {
                // Another shard allocated it first: ours was never shared.
                // SAFETY: `fresh` came from `Box::into_raw` of a slice of `len` just above.
                drop(unsafe {
                    Box::from_raw(ptr::slice_from_raw_parts_mut(
                        fresh as *mut MaybeUninit<Entry>,
                        len,
                    ))
                });
                theirs
            }
        };
    }
    // SAFETY: the slot is in bounds of its chunk, and `code` was handed to this call alone.
    unsafe { base.add(slot).write(entry) }
}

/// One shard: its table of codes, and the arena its strings are copied into.
struct Shard {
    codes: hashbrown::HashTable<u32>,
    block: *mut u8,
    used: usize,
}

// SAFETY: `block` points into a leaked allocation only this shard writes, under its mutex.
unsafe impl Send for Shard {}

impl Shard {
    /// Copies `text` where it will stay for the life of the process.
    fn keep(&mut self, text: &str) -> &'static str {
        let len = text.len();
        if len > BLOCK / 4 {
            return Box::leak(text.to_owned().into_boxed_str());
        }
        if self.block.is_null() || self.used + len > BLOCK {
            self.block = Box::leak(vec![0u8; BLOCK].into_boxed_slice()).as_mut_ptr();
            self.used = 0;
        }
        // SAFETY: `used + len <= BLOCK` bytes of a leaked block; the bytes written are `text`'s,
        // so valid UTF-8, and never written again (`used` only grows).
        unsafe {
            let at = self.block.add(self.used);
            ptr::copy_nonoverlapping(text.as_ptr(), at, len);
            self.used += len;
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(at, len))
        }
    }
}

/// A shard on a cache line of its own, so that two threads locking neighbours do not contend.
#[repr(align(128))]
struct Padded(Mutex<Shard>);

static TABLE: LazyLock<Box<[Padded]>> = LazyLock::new(|| {
    (0..SHARDS)
        .map(|_| {
            Padded(Mutex::new(Shard {
                codes: hashbrown::HashTable::new(),
                block: ptr::null_mut(),
                used: 0,
            }))
        })
        .collect()
});

/// The hash every symbol of this text stores (the runtime's fixed hash of the `str`).
#[inline]
pub(super) fn text_hash(text: &str) -> u64 {
    hash_one(text)
}

/// The shard of a hash: middle bits, since a shard's table indexes by the low bits and tags
/// by the top seven.
#[inline]
fn shard_of(hash: u64) -> usize {
    (hash >> 40) as usize & (SHARDS - 1)
}

/// The code of `text`, interning it if it is new.
pub(super) fn intern(text: &str) -> u32 {
    let hash = text_hash(text);
    let mut shard = TABLE[shard_of(hash)]
        .0
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&code) = shard.codes.find(hash, |&code| entry(code).text == text) {
        return code;
    }
    let code = ENTRIES.next.fetch_add(1, Ordering::Relaxed);
    assert!(code != u32::MAX, "more than 2^32 - 1 distinct symbols");
    let text = shard.keep(text);
    store(code, Entry { hash, text });
    shard
        .codes
        .insert_unique(hash, code, |&code| entry(code).hash);
    code
}

/// The code of `text` if it has been interned.
pub(super) fn lookup(text: &str) -> Option<u32> {
    let hash = text_hash(text);
    let shard = TABLE[shard_of(hash)]
        .0
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    shard
        .codes
        .find(hash, |&code| entry(code).text == text)
        .copied()
}

/// How many distinct strings have been interned.
pub(super) fn len() -> usize {
    ENTRIES.next.load(Ordering::Relaxed) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_chunks_without_gaps_or_overlaps() {
        let mut expected = (0usize, 0usize);
        for code in 0..100_000u32 {
            assert_eq!(place(code), expected, "code {code}");
            expected.1 += 1;
            if expected.1 == 1 << (expected.0 as u32 + FIRST_CHUNK_BITS) {
                expected = (expected.0 + 1, 0);
            }
        }
        let (chunk, slot) = place(u32::MAX - 1);
        assert!(chunk < CHUNKS && slot < 1 << (chunk as u32 + FIRST_CHUNK_BITS));
    }

    #[test]
    fn long_strings_are_kept_whole() {
        let long = "x".repeat(BLOCK * 2);
        let code = intern(&long);
        assert_eq!(entry(code).text, long);
        assert_eq!(intern(&long), code);
    }
}
