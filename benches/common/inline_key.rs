//! A fixed-width inline key for short strings, for the benchmarks' comparison of key
//! representations (it used to be the brc example's key, before keys could be borrowed).

/// A station name as a hash key: names up to 30 bytes are stored inline, longer ones on the heap,
/// and the name's hash is computed once, from the borrowed name.
///
/// The pipeline makes a key for every record, and the combiner keeps it only for a key it has
/// not seen yet. A `String` key costs an allocation and a free per record; this one costs a copy
/// into a small array. Hashing the borrowed bytes (rather than the copy just written) also spares
/// the CPU from reading back a store of a different width, which stalls it.
#[derive(Clone, Debug)]
pub struct Name {
    hash: u64,
    repr: Repr,
}

#[derive(Clone, Debug)]
enum Repr {
    /// The name's length and its bytes, zero-padded (so that equal names are equal arrays).
    Inline(u8, [u8; 30]),
    Heap(Box<str>),
}

impl Name {
    #[inline]
    pub fn new(name: &str) -> Name {
        use std::hash::BuildHasher;
        let hash = foldhash::fast::FixedState::with_seed(0x1b2c).hash_one(name);
        let len = name.len();
        let repr = if len <= 30 {
            let mut bytes = [0; 30];
            bytes[..len].copy_from_slice(name.as_bytes());
            Repr::Inline(len as u8, bytes)
        } else {
            Repr::Heap(name.into())
        };
        Name { hash, repr }
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.repr {
            Repr::Inline(len, bytes) => {
                std::str::from_utf8(&bytes[..*len as usize]).expect("made from a str")
            }
            Repr::Heap(name) => name,
        }
    }
}

impl PartialEq for Name {
    #[inline]
    fn eq(&self, other: &Name) -> bool {
        self.hash == other.hash
            && match (&self.repr, &other.repr) {
                (Repr::Inline(a, x), Repr::Inline(b, y)) => a == b && x == y,
                (Repr::Heap(x), Repr::Heap(y)) => x == y,
                // A name's length decides its variant.
                _ => false,
            }
    }
}

impl Eq for Name {}

impl std::hash::Hash for Name {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}
