//! A benchmark's settings from environment variables (`ROWS=1e8 REPS=5 THREADS=2 cargo bench
//! --bench X`).

/// A number (`1e8` accepted), or `default` if the variable is unset or not a number.
#[allow(dead_code)]
pub fn env_number(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(default)
}

/// A count (`100`, `1e5`, `2.5e7`, `1_000_000`), or `default` if the variable is unset; panics
/// on anything else, so that a mistyped setting is not measured as the default.
#[allow(dead_code)]
pub fn env_count(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(s) => parse_count(&s).unwrap_or_else(|| panic!("{name}={s}: not a count")),
        Err(_) => default,
    }
}

/// A comma-separated list of counts (`KEYS=100,1e5`), or `default`'s.
#[allow(dead_code)]
pub fn env_counts(name: &str, default: &str) -> Vec<usize> {
    let list = std::env::var(name).unwrap_or_else(|_| default.to_owned());
    list.split(',')
        .map(|s| parse_count(s).unwrap_or_else(|| panic!("{name}={list}: {s:?} is not a count")))
        .collect()
}

/// `THREADS`, or `default` if unset; 0 (either way) means every CPU of the machine.
#[allow(dead_code)]
pub fn env_threads(default: usize) -> usize {
    match env_count("THREADS", default) {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

fn parse_count(s: &str) -> Option<usize> {
    let s = s.trim().replace('_', "");
    if let Ok(n) = s.parse::<usize>() {
        return Some(n);
    }
    let f: f64 = s.parse().ok()?;
    (f >= 0.0 && f.fract() == 0.0).then_some(f as usize)
}
