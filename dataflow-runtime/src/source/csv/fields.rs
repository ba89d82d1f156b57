//! Cutting a line without quotes into fields.
//!
//! A record type reads the first few fields of a line and often not the others (TPC-H's Q5
//! reads 7 of `lineitem`'s 16, the long comment never): only the ranges of the fields it reads
//! are recorded. The others are only counted, which every record still needs (a record must
//! have as many fields as the file's first one), and counting is one population count per
//! eight bytes where recording is a store per field.

/// Replaces `fields` with the byte ranges of the first `limit` fields of `line`, cut at every
/// `delimiter`, and returns how many fields the line has in all (one more than its delimiters).
///
/// Eight bytes at a time: fields are short (TPC-H's average 7 bytes), and a `memchr` call per
/// field cost a quarter of a `.tbl` query's time in a profile; a word compare finds every
/// delimiter of the word at once.
#[inline]
pub(super) fn split_fields(
    line: &[u8],
    delimiter: u8,
    fields: &mut Vec<(u32, u32)>,
    limit: usize,
) -> usize {
    fields.clear();
    // Ranges still to record, and delimiters seen after the last one recorded.
    let (mut room, mut uncounted) = (limit, 0);
    let mut start = 0;
    let mut blocks = line.chunks_exact(16);
    let mut base = 0;
    for block in &mut blocks {
        let block: &[u8; 16] = block.try_into().expect("16 bytes");
        let mut hits = block_delimiters(block, delimiter);
        while hits != 0 && room != 0 {
            let i = base + hits.trailing_zeros() as usize;
            fields.push((start as u32, i as u32));
            start = i + 1;
            hits &= hits - 1;
            room -= 1;
        }
        if room == 0 {
            // Past the limit: only counted, from the rest of this block on.
            uncounted += hits.count_ones() as usize;
            base += 16;
            uncounted += count_delimiters(
                &line[base..line.len() - blocks.remainder().len()],
                delimiter,
            );
            base = line.len() - blocks.remainder().len();
            break;
        }
        base += 16;
    }
    for (j, &b) in line[base..].iter().enumerate() {
        if b != delimiter {
            continue;
        }
        if room != 0 {
            fields.push((start as u32, (base + j) as u32));
            start = base + j + 1;
            room -= 1;
        } else {
            uncounted += 1;
        }
    }
    let count = fields.len() + uncounted + 1;
    if room != 0 {
        fields.push((start as u32, line.len() as u32));
    }
    count
}

/// Bit `i` set where byte `i` of `block` is `delimiter`: one SSE2 compare on x86-64 (which
/// every x86-64 CPU has), eight-byte words elsewhere.
#[inline(always)]
fn block_delimiters(block: &[u8; 16], delimiter: u8) -> u32 {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_movemask_epi8, _mm_set1_epi8, _mm_set_epi64x};
        let lo = i64::from_le_bytes(block[..8].try_into().expect("8 bytes"));
        let hi = i64::from_le_bytes(block[8..].try_into().expect("8 bytes"));
        // SAFETY: these intrinsics need SSE2 only, which the `cfg` above guarantees; they touch
        // no memory.
        unsafe {
            let equal = _mm_cmpeq_epi8(_mm_set_epi64x(hi, lo), _mm_set1_epi8(delimiter as i8));
            _mm_movemask_epi8(equal) as u32
        }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        let word = |w: &[u8]| {
            let mut hits = delimiters(w, delimiter);
            let mut bits = 0;
            while hits != 0 {
                bits |= 1 << (hits.trailing_zeros() / 8);
                hits &= hits - 1;
            }
            bits
        };
        word(&block[..8]) | word(&block[8..]) << 8
    }
}

/// How many bytes of `bytes` are `delimiter`.
#[inline]
fn count_delimiters(bytes: &[u8], delimiter: u8) -> usize {
    let mut words = bytes.chunks_exact(8);
    let mut n = 0;
    for word in &mut words {
        n += count(delimiters(word, delimiter));
    }
    n + words
        .remainder()
        .iter()
        .filter(|&&b| b == delimiter)
        .count()
}

/// How many bytes of `hits` (as [`delimiters`] makes it) are set: a multiply adds the bytes'
/// 0/1 into the top byte (no `popcnt`: the target does not assume it).
#[inline(always)]
fn count(hits: u64) -> usize {
    ((hits >> 7).wrapping_mul(0x0101_0101_0101_0101) >> 56) as usize
}

/// 0x80 in each byte of `word` that is `delimiter`, 0 elsewhere: exact, no carries between
/// bytes.
#[inline(always)]
fn delimiters(word: &[u8], delimiter: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x =
        u64::from_le_bytes(word.try_into().expect("8 bytes")) ^ u64::from_ne_bytes([delimiter; 8]);
    !(((x & LOW7) + LOW7) | x | LOW7)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: [&str; 10] = [
        "",
        "|",
        "a",
        "a|b",
        "||||||||||",
        "1|2|3|4|5|6|7|8|9|10|11|12|",
        "abcdefgh|abcdefg|abcdefghi|",
        "\u{e9}|\u{7c}x|\u{ff}\u{fc}|",
        "no delimiter at all here",
        "155190|7706|1|17|21168.23|0.04|0.02|N|O|1996-03-13|1996-02-12|1996-03-22|DELIVER IN PERSON|TRUCK|egular courts above the|",
    ];

    #[test]
    fn split_fields_finds_every_delimiter() {
        let mut fields = Vec::new();
        for line in LINES {
            let count = split_fields(line.as_bytes(), b'|', &mut fields, usize::MAX);
            let got: Vec<&str> = fields
                .iter()
                .map(|&(s, e)| &line[s as usize..e as usize])
                .collect();
            assert_eq!(got, line.split('|').collect::<Vec<_>>(), "{line:?}");
            assert_eq!(count, got.len());
        }
        // Bytes above 0x7f next to the delimiter do not carry into it.
        split_fields(b"\xff\x80,\x7f,\xfe", b',', &mut fields, usize::MAX);
        assert_eq!(fields, [(0, 2), (3, 4), (5, 6)]);
    }

    #[test]
    fn a_limit_records_the_first_fields_and_still_counts_them_all() {
        let mut fields = Vec::new();
        for line in LINES {
            let all: Vec<&str> = line.split('|').collect();
            for limit in 0..all.len() + 2 {
                let count = split_fields(line.as_bytes(), b'|', &mut fields, limit);
                let got: Vec<&str> = fields
                    .iter()
                    .map(|&(s, e)| &line[s as usize..e as usize])
                    .collect();
                assert_eq!(got, all[..limit.min(all.len())], "{line:?}, limit {limit}");
                assert_eq!(count, all.len(), "{line:?}, limit {limit}");
            }
        }
    }
}
