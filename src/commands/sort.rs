//! SORT and SORT_RO (Redis's `sort.c`): sort the elements of a list, set or
//! sorted set numerically or lexicographically, by themselves or by the
//! values of other keys (`BY weight_*`, `BY obj_*->field`), with LIMIT, GET
//! patterns and STORE into a list.
//!
//! The elements are copied out of the sorted key first: BY and GET look up
//! other keys of the same database while the elements are in hand. Ties in
//! a numeric sort are broken by the elements' bytes, so the order is
//! deterministic as in Redis.
//!
//! May import `keyspace`, `types`, `util`; replies go through `ctx.out()`.

use crate::config::notify as N;
use std::cmp::Ordering;

use bytes::Bytes;

use super::acl::{DANGEROUS, LIST, NOT_GROUP, SET, SORTEDSET};
use super::args::is;
use super::flags::*;
use super::{CmdError, CmdResult, CommandSpec, Ctx, Group};
use crate::keyspace::{Access, Db, Ttl, Value};
use crate::types::list::{End, List};
use crate::util::number::{parse_i64, strtod_all};

const G: Group = Group::Generic;
/// Redis files SORT under the types it sorts, not @keyspace.
const CATEGORIES: u32 = NOT_GROUP | SET | SORTEDSET | LIST | DANGEROUS;
const SUMMARY: &str = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).";

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("sort", -2, WRITE | DENYOOM, G, sort).keys(1, 1, 1).getkeys(sort_keys).acl(CATEGORIES).doc(
        "1.0.0",
        "Sort the elements in a list, set or sorted set",
        SUMMARY,
        "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]",
    ),
    CommandSpec::new("sort_ro", -2, READONLY, G, sort_ro).keys(1, 1, 1).getkeys(sorted_key).acl(CATEGORIES).doc(
        "7.0.0",
        "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
        SUMMARY,
        "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]",
    ),
];

/// Key positions of SORT (`sortGetKeys`): the sorted key and the last
/// STORE destination, skipping the arguments of LIMIT, GET and BY.
fn sort_keys(args: &[Bytes]) -> Vec<usize> {
    let mut keys = vec![1];
    let mut store = None;
    let mut i = 2;
    while i < args.len() {
        if is(&args[i], "limit") {
            i += 2;
        } else if is(&args[i], "get") || is(&args[i], "by") {
            i += 1;
        } else if is(&args[i], "store") && i + 1 < args.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    keys.extend(store);
    keys
}

/// Key positions of SORT_RO: the sorted key (BY and GET keys are not
/// known in advance, which makes its keys movable as in Redis).
fn sorted_key(_args: &[Bytes]) -> Vec<usize> {
    vec![1]
}

fn sort(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    sort_generic(ctx, args, false)
}

fn sort_ro(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    sort_generic(ctx, args, true)
}

/// The options of one SORT call.
struct Options<'a> {
    desc: bool,
    alpha: bool,
    limit_start: i64,
    limit_count: i64,
    store: Option<&'a [u8]>,
    by: Option<&'a [u8]>,
    /// BY a pattern without `*`: keep the elements' own order.
    dontsort: bool,
    gets: Vec<&'a [u8]>,
}

fn parse(args: &[Bytes], readonly: bool) -> Result<Options<'_>, CmdError> {
    let mut o = Options {
        desc: false,
        alpha: false,
        limit_start: 0,
        limit_count: -1,
        store: None,
        by: None,
        dontsort: false,
        gets: Vec::new(),
    };
    let mut j = 2;
    while j < args.len() {
        let left = args.len() - j - 1;
        let a = &args[j];
        if is(a, "asc") {
            o.desc = false;
        } else if is(a, "desc") {
            o.desc = true;
        } else if is(a, "alpha") {
            o.alpha = true;
        } else if is(a, "limit") && left >= 2 {
            o.limit_start = parse_i64(&args[j + 1]).ok_or(CmdError::NotInteger)?;
            o.limit_count = parse_i64(&args[j + 2]).ok_or(CmdError::NotInteger)?;
            j += 2;
        } else if !readonly && is(a, "store") && left >= 1 {
            o.store = Some(&args[j + 1]);
            j += 1;
        } else if is(a, "by") && left >= 1 {
            let pattern = &args[j + 1][..];
            o.dontsort = !pattern.contains(&b'*');
            o.by = Some(pattern);
            j += 1;
        } else if is(a, "get") && left >= 1 {
            o.gets.push(&args[j + 1]);
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

/// What the sorted key holds, for the rules that depend on it.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    List,
    Set,
    ZSet,
}

/// One element being sorted, with what it sorts by.
struct Item {
    elem: Vec<u8>,
    score: f64,
    /// The BY value of an ALPHA sort (`None`: its BY key is missing).
    by: Option<Vec<u8>>,
}

fn sort_generic(ctx: &mut Ctx, args: &[Bytes], readonly: bool) -> CmdResult {
    let mut o = parse(args, readonly)?;
    let now = ctx.now();
    let from_script = ctx.client.script;
    let db = ctx.db();
    let (kind, mut items) = load(db, &args[1], now)?;
    // A set has no order of its own: a stored result, or a script's, must
    // not depend on it.
    if o.dontsort && kind == Kind::Set && (o.store.is_some() || from_script) {
        o.dontsort = false;
        o.alpha = true;
        o.by = None;
    }
    if o.dontsort && o.desc && kind != Kind::Set {
        items.reverse();
    }
    let (start, end) = limits(items.len() as i64, o.limit_start, o.limit_count);
    let mut bad_score = false;
    if !o.dontsort {
        for it in &mut items {
            // The BY value, or `None` to sort by the element itself.
            let byval = match o.by {
                Some(pattern) => match lookup_by_pattern(db, pattern, &it.elem, now) {
                    Some(v) => Some(v),
                    None => continue,
                },
                None => None,
            };
            if o.alpha {
                it.by = byval;
                continue;
            }
            match sort_score(byval.as_deref().unwrap_or(&it.elem)) {
                Some(s) => it.score = s,
                None => bad_score = true,
            }
        }
        items.sort_by(|a, b| {
            let c = compare(a, b, o.alpha, o.by.is_some());
            if o.desc { c.reverse() } else { c }
        });
    }
    let selected: &[Item] = if end >= start { &items[start as usize..=end as usize] } else { &[] };
    let per_item = o.gets.len().max(1);
    let outputlen = selected.len() * per_item;
    if bad_score {
        return Err(CmdError::err("One or more scores can't be converted into double"));
    }
    let Some(dest) = o.store else {
        let out = &mut ctx.client.out;
        out.array(outputlen);
        let db = &mut ctx.srv.keyspace.dbs[ctx.client.db];
        for it in selected {
            if o.gets.is_empty() {
                out.bulk(&it.elem);
            }
            for pattern in &o.gets {
                match lookup_by_pattern(db, pattern, &it.elem, now) {
                    Some(v) => out.bulk(&v),
                    None => out.null(),
                }
            }
        }
        return Ok(());
    };
    let mut list = List::new(ctx.srv.config.list_max_listpack_size);
    let db = &mut ctx.srv.keyspace.dbs[ctx.client.db];
    for it in selected {
        if o.gets.is_empty() {
            list.push(End::Tail, &it.elem);
        }
        for pattern in &o.gets {
            let v = lookup_by_pattern(db, pattern, &it.elem, now).unwrap_or_default();
            list.push(End::Tail, &v);
        }
    }
    if outputlen > 0 {
        db.set(dest, Value::List(Box::new(list)), Ttl::Clear, now);
        ctx.srv.dirty += outputlen as u64;
        ctx.notify(N::LIST, "sortstore", dest);
    } else if db.remove(dest, now).is_some() {
        ctx.srv.dirty += 1;
        ctx.notify(N::GENERIC, "del", dest);
    }
    ctx.out().int(outputlen as i64);
    Ok(())
}

/// The elements of the key to sort, in its own order (a sorted set by
/// rank); a missing key sorts as an empty list.
fn load(db: &mut Db, key: &[u8], now: u64) -> Result<(Kind, Vec<Item>), CmdError> {
    let item = |elem: Vec<u8>| Item { elem, score: 0.0, by: None };
    let Some(e) = db.lookup(key, now, Access::Read) else {
        return Ok((Kind::List, Vec::new()));
    };
    Ok(match &e.value {
        Value::List(l) => {
            let mut v = Vec::with_capacity(l.len());
            for it in l.iter() {
                it.with_bytes(|b| v.push(item(b.to_vec())));
            }
            (Kind::List, v)
        }
        Value::Set(s) => (Kind::Set, s.iter().map(|m| item(m.to_vec())).collect()),
        Value::ZSet(z) => {
            let mut v = Vec::with_capacity(z.len());
            z.for_each(|m, _| v.push(item(m.to_vec())));
            (Kind::ZSet, v)
        }
        _ => return Err(CmdError::WrongType),
    })
}

/// LIMIT applied as Redis does: the inclusive index range `[start, end]`
/// (empty when `end < start`).
fn limits(len: i64, limit_start: i64, limit_count: i64) -> (i64, i64) {
    let start = limit_start.max(0).min(len);
    let count = limit_count.max(-1).min(len);
    let mut end = if count < 0 { len - 1 } else { start + count - 1 };
    if start >= len {
        return (len - 1, len - 2);
    }
    if end >= len {
        end = len - 1;
    }
    (start, end)
}

/// `sortCompare`: numeric by score with ties broken by the elements'
/// bytes; ALPHA by the BY values (missing ones first) or the elements.
fn compare(a: &Item, b: &Item, alpha: bool, by_pattern: bool) -> Ordering {
    if !alpha {
        return a.score.partial_cmp(&b.score).unwrap_or(Ordering::Equal).then_with(|| a.elem.cmp(&b.elem));
    }
    if by_pattern {
        return match (&a.by, &b.by) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => x.cmp(y),
        };
    }
    a.elem.cmp(&b.elem)
}

/// A numeric sort weight as `strtod` reads it in SORT: the whole string,
/// refusing NaN and values out of range (`ERANGE`).
fn sort_score(v: &[u8]) -> Option<f64> {
    let s = strtod_all(v)?;
    let text = v.split(|&c| c == 0).next().unwrap_or_default();
    let literal_inf = text.iter().any(|c| c.eq_ignore_ascii_case(&b'i'));
    if s.is_infinite() && !literal_inf {
        return None;
    }
    let underflow = s != 0.0 && s.abs() < f64::MIN_POSITIVE;
    let flushed_to_zero =
        s == 0.0 && text.iter().take_while(|c| !matches!(c, b'e' | b'E')).any(|c| matches!(c, b'1'..=b'9'));
    (!underflow && !flushed_to_zero).then_some(s)
}

/// `lookupKeyByPattern`: `#` is the element itself; otherwise the first
/// `*` is replaced by the element and the result names a string key, or,
/// with `->field` after the `*`, a field of a hash. A pattern without `*`
/// names nothing.
fn lookup_by_pattern(db: &mut Db, pattern: &[u8], elem: &[u8], now: u64) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(elem.to_vec());
    }
    let star = pattern.iter().position(|&c| c == b'*')?;
    let after = &pattern[star + 1..];
    let arrow = after.windows(2).position(|w| w == b"->").filter(|&p| p + 2 < after.len());
    let (postfix, field) = match arrow {
        Some(p) => (&after[..p], Some(&after[p + 2..])),
        None => (after, None),
    };
    let mut key = Vec::with_capacity(star + elem.len() + postfix.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(elem);
    key.extend_from_slice(postfix);
    let e = db.lookup(&key, now, Access::Read)?;
    match (field, &e.value) {
        (Some(f), Value::Hash(h)) => h.get(f).map(|v| v.to_vec()),
        (None, v) => v.as_str().map(<[u8]>::to_vec),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<Bytes> {
        v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
    }

    #[test]
    fn store_key_positions() {
        assert_eq!(sort_keys(&args(&["sort", "k"])), vec![1]);
        assert_eq!(sort_keys(&args(&["sort", "k", "store", "a", "store", "b"])), vec![1, 5]);
        assert_eq!(sort_keys(&args(&["sort", "k", "get", "store", "limit", "0", "1"])), vec![1]);
        assert_eq!(sort_keys(&args(&["sort", "k", "by", "x", "STORE", "d"])), vec![1, 5]);
    }

    #[test]
    fn limit_ranges_as_redis() {
        assert_eq!(limits(5, 0, -1), (0, 4));
        assert_eq!(limits(5, 1, 2), (1, 2));
        assert_eq!(limits(5, -3, 2), (0, 1));
        assert_eq!(limits(5, 10, 2), (4, 3));
        assert_eq!(limits(5, 3, 100), (3, 4));
        assert_eq!(limits(5, 2, 0), (2, 1));
        assert_eq!(limits(0, 0, -1), (-1, -2));
    }

    #[test]
    fn scores_as_strtod() {
        assert_eq!(sort_score(b"1.5"), Some(1.5));
        assert_eq!(sort_score(b""), Some(0.0));
        assert_eq!(sort_score(b" 7"), Some(7.0));
        assert_eq!(sort_score(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(sort_score(b"1e400"), None);
        assert_eq!(sort_score(b"1e-400"), None);
        assert_eq!(sort_score(b"0e5"), Some(0.0));
        assert_eq!(sort_score(b"abc"), None);
        assert_eq!(sort_score(b"nan"), None);
        assert_eq!(sort_score(b"3 "), None);
    }
}
