//! The two sorts Redis's GEO searches order their results with, step for
//! step, so that points at equal distances come out in Redis's order:
//! glibc's `qsort` (a top-down merge sort, stable, while memory allows) and
//! Redis's `pqsort` (Bentley–McIlroy quicksort that only sorts the part
//! holding a requested index range). Both take a C-style three-way
//! comparator and never panic, even if it is not a total order (NaN).
//! Pure functions; imports nothing of the crate.

use std::cmp::Ordering;

/// glibc's `msort`: stable; ties keep their order.
pub fn merge_sort<T: Clone>(v: &mut [T], cmp: &impl Fn(&T, &T) -> Ordering) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    merge_sort(&mut v[..n1], cmp);
    merge_sort(&mut v[n1..], cmp);
    let mut merged = Vec::with_capacity(n);
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if cmp(&v[i], &v[j]) != Ordering::Greater {
            merged.push(v[i].clone());
            i += 1;
        } else {
            merged.push(v[j].clone());
            j += 1;
        }
    }
    merged.extend_from_slice(&v[i..n1]);
    merged.extend_from_slice(&v[j..n]);
    v.clone_from_slice(&merged);
}

/// Redis's `pqsort(a, n, .., lrange, rrange)`: afterwards the elements at
/// indices `lrange..=rrange` are those a full sort would put there, in
/// order; the rest is partitioned but not sorted.
pub fn partial_sort<T>(v: &mut [T], cmp: &impl Fn(&T, &T) -> Ordering, lrange: usize, rrange: usize) {
    pqsort(v, 0, cmp, lrange, rrange);
}

fn med3<T>(v: &[T], a: usize, b: usize, c: usize, cmp: &impl Fn(&T, &T) -> Ordering) -> usize {
    if cmp(&v[a], &v[b]) == Ordering::Less {
        if cmp(&v[b], &v[c]) == Ordering::Less {
            b
        } else if cmp(&v[a], &v[c]) == Ordering::Less {
            c
        } else {
            a
        }
    } else if cmp(&v[b], &v[c]) == Ordering::Greater {
        b
    } else if cmp(&v[a], &v[c]) == Ordering::Less {
        a
    } else {
        c
    }
}

/// Swaps the `n` elements from `a` with the `n` from `b`, pairwise.
fn vecswap<T>(v: &mut [T], a: usize, b: usize, n: usize) {
    for i in 0..n {
        v.swap(a + i, b + i);
    }
}

/// Does the sub-array at absolute index `start`, `len` long, overlap the
/// requested range? (pqsort's pointer test, in element indices.)
fn in_range(start: usize, len: usize, lrange: usize, rrange: usize) -> bool {
    !((lrange < start && rrange < start) || (lrange >= start + len && rrange >= start + len))
}

/// `base` is the absolute index of `v[0]` in the array being sorted.
fn pqsort<T>(mut v: &mut [T], mut base: usize, cmp: &impl Fn(&T, &T) -> Ordering, lrange: usize, rrange: usize) {
    loop {
        let n = v.len();
        if n < 7 {
            for pm in 1..n {
                let mut pl = pm;
                while pl > 0 && cmp(&v[pl - 1], &v[pl]) == Ordering::Greater {
                    v.swap(pl, pl - 1);
                    pl -= 1;
                }
            }
            return;
        }
        let mut pm = n / 2;
        if n > 7 {
            let mut pl = 0;
            let mut pn = n - 1;
            if n > 40 {
                let d = n / 8;
                pl = med3(v, pl, pl + d, pl + 2 * d, cmp);
                pm = med3(v, pm - d, pm, pm + d, cmp);
                pn = med3(v, pn - 2 * d, pn - d, pn, cmp);
            }
            pm = med3(v, pl, pm, pn, cmp);
        }
        v.swap(0, pm);
        let (mut pa, mut pb) = (1usize, 1usize);
        let (mut pc, mut pd) = (n as isize - 1, n as isize - 1);
        loop {
            while pb as isize <= pc {
                let r = cmp(&v[pb], &v[0]);
                if r == Ordering::Greater {
                    break;
                }
                if r == Ordering::Equal {
                    v.swap(pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb as isize <= pc {
                let r = cmp(&v[pc as usize], &v[0]);
                if r == Ordering::Less {
                    break;
                }
                if r == Ordering::Equal {
                    v.swap(pc as usize, pd as usize);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb as isize > pc {
                break;
            }
            v.swap(pb, pc as usize);
            pb += 1;
            pc -= 1;
        }
        let (pc, pd) = (pc as usize, pd as usize);
        let r = pa.min(pb - pa);
        vecswap(v, 0, pb - r, r);
        let r = (pd - pc).min(n - pd - 1);
        vecswap(v, pb, n - r, r);
        let r = pb - pa;
        if r > 1 && in_range(base, r, lrange, rrange) {
            pqsort(&mut v[..r], base, cmp, lrange, rrange);
        }
        let r = pd - pc;
        if r <= 1 {
            return;
        }
        let start = n - r;
        if !in_range(base + start, r, lrange, rrange) {
            return;
        }
        v = &mut v[start..];
        base += start;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_key(a: &(u32, u32), b: &(u32, u32)) -> Ordering {
        a.0.cmp(&b.0)
    }

    #[test]
    fn merge_sort_is_stable() {
        let mut v: Vec<(u32, u32)> = (0..100).map(|i| ((i * 7) % 5, i)).collect();
        merge_sort(&mut v, &by_key);
        for w in v.windows(2) {
            assert!(w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1));
        }
    }

    #[test]
    fn partial_sort_orders_the_prefix() {
        let mut seed = 12345u64;
        for n in [0usize, 1, 5, 7, 8, 40, 41, 100, 1000] {
            let mut v: Vec<(u32, u32)> = (0..n as u32)
                .map(|i| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (((seed >> 33) % 50) as u32, i)
                })
                .collect();
            let mut sorted = v.clone();
            sorted.sort_by(by_key);
            for k in [1usize, 3, 10] {
                if k > n {
                    continue;
                }
                let mut p = v.clone();
                partial_sort(&mut p, &by_key, 0, k - 1);
                let got: Vec<u32> = p[..k].iter().map(|x| x.0).collect();
                let want: Vec<u32> = sorted[..k].iter().map(|x| x.0).collect();
                assert_eq!(got, want, "n={n} k={k}");
            }
            partial_sort(&mut v, &by_key, 0, n.saturating_sub(1));
            let keys: Vec<u32> = v.iter().map(|x| x.0).collect();
            assert!(keys.windows(2).all(|w| w[0] <= w[1]));
        }
    }

    #[test]
    fn inconsistent_comparators_do_not_panic() {
        let nan_cmp = |a: &f64, b: &f64| {
            if a > b {
                Ordering::Greater
            } else if a == b {
                Ordering::Equal
            } else {
                Ordering::Less
            }
        };
        let mut v: Vec<f64> = (0..200).map(|i| if i % 3 == 0 { f64::NAN } else { f64::from(i % 17) }).collect();
        merge_sort(&mut v.clone(), &nan_cmp);
        partial_sort(&mut v, &nan_cmp, 0, 10);
    }
}
