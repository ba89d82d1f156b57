//! The ten group-by questions written by hand, as a strong engineer would without a framework:
//! rayon over chunks of the rows, one `hashbrown` map (foldhash) per chunk keyed by the rows'
//! fields (the same [`dataflow::Symbol`] ids the jobs group by), maps merged the smaller into
//! the larger. The ratio dataflow / this is the framework's overhead.

use crate::answer::{answer, Answer, Timing};
use crate::data::Row;
use rayon::prelude::*;
use std::hash::Hash;

type Map<K, S> = hashbrown::HashMap<K, S, foldhash::fast::FixedState>;

/// Groups `rows` by `key`, folding each group with `update` from `S::default()`, merging
/// partial states with `merge`.
fn group<'a, K, S>(
    rows: &'a [Row],
    key: impl Fn(&'a Row) -> K + Sync,
    update: impl Fn(&mut S, &Row) + Sync,
    merge: impl Fn(&mut S, S) + Sync,
) -> Map<K, S>
where
    K: Hash + Eq + Send,
    S: Default + Send,
{
    let chunk = (rows.len() / (4 * rayon::current_num_threads())).max(4096);
    rows.par_chunks(chunk)
        .map(|rows| {
            let mut map = Map::default();
            for r in rows {
                update(map.entry(key(r)).or_default(), r);
            }
            map
        })
        .reduce(Map::default, |a, b| {
            let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
            for (k, s) in small {
                match big.entry(k) {
                    hashbrown::hash_map::Entry::Occupied(mut e) => merge(e.get_mut(), s),
                    hashbrown::hash_map::Entry::Vacant(e) => {
                        e.insert(s);
                    }
                }
            }
            big
        })
}

/// Welford/Chan moments: count, mean, M2 (and for two columns the co-moment).
#[derive(Default, Clone, Copy)]
struct Moments {
    n: f64,
    mx: f64,
    my: f64,
    sxx: f64,
    syy: f64,
    sxy: f64,
}

impl Moments {
    fn add(&mut self, x: f64, y: f64) {
        self.n += 1.0;
        let dx = x - self.mx;
        self.mx += dx / self.n;
        let dy = y - self.my;
        self.my += dy / self.n;
        self.sxx += dx * (x - self.mx);
        self.syy += dy * (y - self.my);
        self.sxy += dx * (y - self.my);
    }
    fn merge(&mut self, o: Moments) {
        if o.n == 0.0 {
            return;
        }
        let n = self.n + o.n;
        let (dx, dy) = (o.mx - self.mx, o.my - self.my);
        let w = self.n * o.n / n;
        self.sxx += o.sxx + dx * dx * w;
        self.syy += o.syy + dy * dy * w;
        self.sxy += o.sxy + dx * dy * w;
        self.mx += dx * o.n / n;
        self.my += dy * o.n / n;
        self.n = n;
    }
}

/// Question `q` (1..=10) by hand, on the current rayon pool: its time and its answer.
pub fn run(q: usize, rows: &[Row], full: bool) -> (Timing, Answer) {
    let add = |a: &mut i64, b: i64| *a += b;
    let t = Timing::start();
    macro_rules! out {
        ($map:expr, $f:expr $(,)?) => {
            answer(t, $map, full, $f)
        };
    }
    match q {
        1 => out!(
            group(rows, |r| r.id1, |s, r| *s += r.v1 as i64, add),
            |s| vec![s as f64]
        ),
        2 => out!(
            group(rows, |r| (r.id1, r.id2), |s, r| *s += r.v1 as i64, add),
            |s| vec![s as f64],
        ),
        3 => out!(
            group(
                rows,
                |r| r.id3,
                |s: &mut (i64, f64, u64), r| *s = (s.0 + r.v1 as i64, s.1 + r.v3, s.2 + 1),
                |a, b| *a = (a.0 + b.0, a.1 + b.1, a.2 + b.2),
            ),
            |s| vec![s.0 as f64, s.1 / s.2 as f64],
        ),
        4 => out!(
            group(
                rows,
                |r| r.id4,
                |s: &mut [f64; 4], r| {
                    *s = [
                        s[0] + r.v1 as f64,
                        s[1] + r.v2 as f64,
                        s[2] + r.v3,
                        s[3] + 1.0,
                    ]
                },
                |a, b| (0..4).for_each(|i| a[i] += b[i]),
            ),
            |s| vec![s[0] / s[3], s[1] / s[3], s[2] / s[3]],
        ),
        5 => out!(
            group(
                rows,
                |r| r.id6,
                |s: &mut (i64, i64, f64), r| *s =
                    (s.0 + r.v1 as i64, s.1 + r.v2 as i64, s.2 + r.v3),
                |a, b| *a = (a.0 + b.0, a.1 + b.1, a.2 + b.2),
            ),
            |s| vec![s.0 as f64, s.1 as f64, s.2],
        ),
        6 => {
            let groups = group(
                rows,
                |r| (r.id4, r.id5),
                |s: &mut (Vec<f64>, Moments), r| {
                    s.0.push(r.v3);
                    s.1.add(r.v3, 0.0)
                },
                |a, b| {
                    a.0.extend(b.0);
                    a.1.merge(b.1)
                },
            );
            let groups: Vec<_> = groups.into_iter().collect();
            let result: Vec<_> = groups
                .into_par_iter()
                .map(|(k, (mut values, m))| {
                    (k, (median(&mut values), (m.sxx / (m.n - 1.0)).sqrt()))
                })
                .collect();
            answer(t, result, full, |(m, s)| vec![m, s])
        }
        7 => out!(
            group(
                rows,
                |r| r.id3,
                |s: &mut Option<(i32, i32)>, r| {
                    *s = Some(s.map_or((r.v1, r.v2), |(a, b)| (a.max(r.v1), b.min(r.v2))))
                },
                |a, b| {
                    if let Some((x, y)) = b {
                        *a = Some(a.map_or((x, y), |(p, q)| (p.max(x), q.min(y))))
                    }
                },
            ),
            |s| s.map_or(vec![], |(a, b)| vec![(a - b) as f64]),
        ),
        8 => {
            let top2 = |s: &mut [f64; 2], v: f64| {
                if v > s[0] {
                    *s = [v, s[0]]
                } else if v > s[1] {
                    s[1] = v
                }
            };
            let groups = group(
                rows,
                |r| r.id6,
                |s: &mut (usize, [f64; 2]), r| {
                    if s.0 == 0 {
                        s.1 = [f64::NEG_INFINITY; 2];
                    }
                    s.0 += 1;
                    top2(&mut s.1, r.v3)
                },
                |a, b| {
                    if a.0 == 0 {
                        a.1 = [f64::NEG_INFINITY; 2];
                    }
                    a.0 += b.0;
                    b.1.iter().for_each(|&v| top2(&mut a.1, v))
                },
            );
            let t = t.stop();
            let exploded = groups
                .into_iter()
                .flat_map(|(k, (n, top))| top.into_iter().take(n.min(2)).map(move |v| (k, v)));
            answer(t, exploded, full, |v| vec![v])
        }
        9 => out!(
            group(
                rows,
                |r| (r.id2, r.id4),
                |s: &mut Moments, r| s.add(r.v1 as f64, r.v2 as f64),
                |a, b| a.merge(b),
            ),
            |m| {
                let r = m.sxy / (m.sxx * m.syy).sqrt();
                vec![r * r]
            },
        ),
        10 => out!(
            group(
                rows,
                |r| (r.id1, r.id2, r.id3, r.id4, r.id5, r.id6),
                |s: &mut (f64, u64), r| *s = (s.0 + r.v3, s.1 + 1),
                |a, b| *a = (a.0 + b.0, a.1 + b.1),
            ),
            |s| vec![s.0, s.1 as f64],
        ),
        _ => panic!("h2o group-by has questions 1 to 10, not {q}"),
    }
}

fn median(values: &mut [f64]) -> f64 {
    let n = values.len();
    let (_, &mut hi, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        hi
    } else {
        let lo = values[..n / 2]
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        (lo + hi) / 2.0
    }
}
