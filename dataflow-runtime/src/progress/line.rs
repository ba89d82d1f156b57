//! The progress line as a pure function of the counters, so that it can be tested as text.

use std::fmt::Write as _;
use std::time::Duration;

/// What the progress line shows: a snapshot of a running job's counters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct View {
    /// Time since the job started.
    pub elapsed: Duration,
    /// The stage that is running, `(index, label)`, once the job has said
    /// ([`Context::begin_stage`](crate::Context::begin_stage)).
    pub stage: Option<(usize, String)>,
    /// The sources of that stage (every source, when no stage was named), in the order they
    /// started.
    pub sources: Vec<SourceView>,
}

/// One source's counters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceView {
    /// The source, as `operator@line:column`.
    pub label: String,
    /// Records read so far.
    pub records: u64,
    /// Bytes read so far (of a compressed file, compressed bytes).
    pub bytes: u64,
    /// The bytes of the whole input, when known: the sizes of its files. `None` for a stream
    /// (standard input, a FIFO), whose size is not known before its end.
    pub total_bytes: Option<u64>,
    /// Time since the source started reading: its rate and ETA are counted over it.
    pub running: Duration,
}

/// The progress line for `view`, at most `width` characters (so that the terminal never
/// wraps it, which would leave a line behind that `\r` cannot clear).
///
/// ```text
/// 3.4s stage 1 read_text -> count | read_text@5:9 312.4 MiB of 1.2 GiB (26%), 3.1 M records,
///   912.0 k rec/s, ETA 9s
/// ```
///
/// (one line, cut here to fit).
pub fn render(view: &View, width: usize) -> String {
    let mut line = format!("{}", Secs(view.elapsed));
    if let Some((index, label)) = &view.stage {
        let _ = write!(line, " stage {index} {label}");
    }
    for (i, source) in view.sources.iter().enumerate() {
        line.push_str(if i == 0 { " | " } else { "; " });
        source_part(&mut line, source);
    }
    truncate(line, width)
}

fn source_part(line: &mut String, s: &SourceView) {
    let _ = write!(line, "{} {}", s.label, Bytes(s.bytes));
    if let Some(total) = s.total_bytes {
        let _ = write!(line, " of {} ({}%)", Bytes(total), percent(s.bytes, total));
    }
    let _ = write!(line, ", {} records", Count(s.records as f64));
    let secs = s.running.as_secs_f64();
    if secs > 0.0 {
        let _ = write!(line, ", {} rec/s", Count(s.records as f64 / secs));
    }
    if let Some(eta) = eta(s) {
        let _ = write!(line, ", ETA {}", Clock(eta));
    }
}

/// The share of `total` done, in whole percent, never above 100 (and 100 only when done).
fn percent(done: u64, total: u64) -> u64 {
    if total == 0 || done >= total {
        return 100;
    }
    (done as u128 * 100 / total as u128).min(99) as u64
}

/// The time left if the source goes on at its mean rate so far: only for an input of known
/// size that has begun.
fn eta(s: &SourceView) -> Option<Duration> {
    let total = s.total_bytes?;
    if s.bytes == 0 || s.bytes >= total {
        return None;
    }
    let left = (total - s.bytes) as f64 / s.bytes as f64 * s.running.as_secs_f64();
    Some(Duration::from_secs_f64(left.min(1e9)))
}

/// Cuts `line` to `width` characters, ending it with `…` when cut.
fn truncate(line: String, width: usize) -> String {
    if line.chars().count() <= width {
        return line;
    }
    let mut cut: String = line.chars().take(width.saturating_sub(1)).collect();
    if width > 0 {
        cut.push('…');
    }
    cut
}

/// Bytes in binary units, one decimal: `812 B`, `312.4 MiB`.
struct Bytes(u64);

impl std::fmt::Display for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
        if self.0 < 1024 {
            return write!(f, "{} B", self.0);
        }
        let mut value = self.0 as f64 / 1024.0;
        let mut unit = 0;
        while value >= 1024.0 && unit + 1 < UNITS.len() {
            value /= 1024.0;
            unit += 1;
        }
        write!(f, "{value:.1} {}", UNITS[unit])
    }
}

/// A count in decimal units, one decimal: `950`, `3.1 M`.
struct Count(f64);

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const UNITS: [&str; 4] = ["k", "M", "G", "T"];
        if self.0 < 1000.0 {
            return write!(f, "{:.0}", self.0);
        }
        let mut value = self.0 / 1000.0;
        let mut unit = 0;
        while value >= 1000.0 && unit + 1 < UNITS.len() {
            value /= 1000.0;
            unit += 1;
        }
        write!(f, "{value:.1} {}", UNITS[unit])
    }
}

/// An elapsed time: `3.4s`, then `2m05s`, then `1h02m`.
struct Secs(Duration);

impl std::fmt::Display for Secs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 < Duration::from_secs(60) {
            write!(f, "{:.1}s", self.0.as_secs_f64())
        } else {
            write!(f, "{}", Clock(self.0))
        }
    }
}

/// A duration to the second: `9s`, `2m05s`, `1h02m`.
struct Clock(Duration);

impl std::fmt::Display for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.0.as_secs_f64().round() as u64;
        match secs {
            0..60 => write!(f, "{secs}s"),
            60..3600 => write!(f, "{}m{:02}s", secs / 60, secs % 60),
            _ => write!(f, "{}h{:02}m", secs / 3600, secs / 60 % 60),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_source(bytes: u64, total: u64, records: u64, running_ms: u64) -> SourceView {
        SourceView {
            label: "read_text@5:9".to_string(),
            records,
            bytes,
            total_bytes: Some(total),
            running: Duration::from_millis(running_ms),
        }
    }

    #[test]
    fn a_file_source_shows_its_share_rate_and_eta() {
        let view = View {
            elapsed: Duration::from_millis(3400),
            stage: Some((1, "read_text -> flat_map -> count".to_string())),
            sources: vec![file_source(256 << 20, 1 << 30, 3_000_000, 2_000)],
        };
        // A quarter read in 2 s: 6 s left at that rate; 3 M records in 2 s is 1.5 M/s.
        assert_eq!(
            render(&view, 200),
            "3.4s stage 1 read_text -> flat_map -> count | read_text@5:9 256.0 MiB of 1.0 GiB \
             (25%), 3.0 M records, 1.5 M rec/s, ETA 6s"
        );
    }

    #[test]
    fn a_stream_has_no_share_and_no_eta() {
        let view = View {
            elapsed: Duration::from_secs(75),
            stage: None,
            sources: vec![SourceView {
                label: "read_csv@3:1".to_string(),
                records: 999,
                bytes: 1000,
                total_bytes: None,
                running: Duration::from_secs(10),
            }],
        };
        assert_eq!(
            render(&view, 200),
            "1m15s | read_csv@3:1 1000 B, 999 records, 100 rec/s"
        );
    }

    #[test]
    fn several_sources_and_no_source() {
        let mut second = file_source(0, 10 << 20, 0, 0);
        second.label = "read_json@8:2".to_string();
        let view = View {
            elapsed: Duration::from_millis(1500),
            stage: Some((0, "x".to_string())),
            sources: vec![file_source(10 << 20, 10 << 20, 5, 1000), second],
        };
        assert_eq!(
            render(&view, 200),
            "1.5s stage 0 x | read_text@5:9 10.0 MiB of 10.0 MiB (100%), 5 records, 5 rec/s; \
             read_json@8:2 0 B of 10.0 MiB (0%), 0 records"
        );
        let view = View {
            elapsed: Duration::from_secs(7200 + 180),
            stage: Some((2, "merge".to_string())),
            sources: vec![],
        };
        assert_eq!(render(&view, 200), "2h03m stage 2 merge");
    }

    #[test]
    fn the_line_never_exceeds_the_width() {
        let view = View {
            elapsed: Duration::from_secs(1),
            stage: Some((3, "a very long stage label ".repeat(10))),
            sources: vec![file_source(1, 2, 3, 4)],
        };
        for width in [0, 1, 10, 79, 80, 300] {
            let line = render(&view, width);
            assert!(line.chars().count() <= width, "{width}: {line}");
        }
        assert!(render(&view, 40).ends_with('…'));
        assert!(!render(&view, 1000).ends_with('…'));
    }

    #[test]
    fn units_round_and_scale() {
        assert_eq!(Bytes(0).to_string(), "0 B");
        assert_eq!(Bytes(1023).to_string(), "1023 B");
        assert_eq!(Bytes(1536).to_string(), "1.5 KiB");
        assert_eq!(Bytes(5 << 40).to_string(), "5.0 TiB");
        assert_eq!(Count(999.0).to_string(), "999");
        assert_eq!(Count(1_000.0).to_string(), "1.0 k");
        assert_eq!(Count(2_500_000_000.0).to_string(), "2.5 G");
        assert_eq!(Clock(Duration::from_millis(59_400)).to_string(), "59s");
        assert_eq!(Clock(Duration::from_secs(125)).to_string(), "2m05s");
        assert_eq!(Secs(Duration::from_millis(999)).to_string(), "1.0s");
        assert_eq!(percent(999, 1000), 99);
        assert_eq!(percent(0, 0), 100);
    }
}
