//! Streams in RDB files: written as Redis 7.0 writes them
//! (`STREAM_LISTPACKS_2`: one listpack per node, keyed by the node's
//! 16-byte master id, each entry delta-encoded against the master entry;
//! then length, last id, first id, max deleted id, entries added, and the
//! consumer groups with their PEL and consumers), read in that format and
//! in Redis 6.2's (`STREAM_LISTPACKS`) and 7.2's (`STREAM_LISTPACKS_3`,
//! consumers with an active time).

use std::io::Read;

use super::decode::{LoadResult, Source, corrupt};
use super::format::ty;
use super::{Elem, encode, listpack};
use crate::types::stream::{Consumer, ENTRIES_READ_INVALID, Group, LoadedEntry, Nack, Stream, StreamId};
use crate::util::number::parse_i64;

/// Entry flags inside a node (`STREAM_ITEM_FLAG_*`).
const FLAG_DELETED: i64 = 1;
const FLAG_SAMEFIELDS: i64 = 2;

fn id_len(out: &mut Vec<u8>, id: StreamId) {
    encode::len(out, id.ms);
    encode::len(out, id.seq);
}

/// Appends a stream's body in `STREAM_LISTPACKS_2` (type byte and key
/// already written). Nodes whose entries were all deleted are skipped.
pub fn write(out: &mut Vec<u8>, s: &Stream, compress: bool) {
    write_nodes(out, s, compress);
    encode::len(out, s.len() as u64);
    id_len(out, s.last_id);
    id_len(out, s.first_id);
    id_len(out, s.max_deleted_id);
    encode::len(out, s.entries_added);
    write_groups(out, s, compress);
}

/// The node count and the nodes (master id, listpack).
fn write_nodes(out: &mut Vec<u8>, s: &Stream, compress: bool) {
    let mut nodes: Vec<(StreamId, Vec<u8>)> = Vec::new();
    for (&master, node) in s.nodes() {
        let mut lp = listpack::Writer::new();
        lp.int(node.live as i64);
        lp.int(node.deleted as i64);
        lp.int(node.master_fields.len() as i64);
        for f in &node.master_fields {
            lp.string(f);
        }
        lp.int(0);
        for e in node.entries(master) {
            let same = e.fields.same_fields();
            let n = e.fields.count() / 2;
            let mut flags = if same { FLAG_SAMEFIELDS } else { 0 };
            if e.flags & crate::types::stream::FLAG_DELETED != 0 {
                flags |= FLAG_DELETED;
            }
            lp.int(flags);
            lp.int(e.id.ms.wrapping_sub(master.ms) as i64);
            lp.int(e.id.seq.wrapping_sub(master.seq) as i64);
            if same {
                for v in e.fields.iter().skip(1).step_by(2) {
                    lp.string(v);
                }
                lp.int(n as i64 + 3);
            } else {
                lp.int(n as i64);
                for it in e.fields.iter() {
                    lp.string(it);
                }
                lp.int(2 * n as i64 + 4);
            }
        }
        nodes.push((master, lp.finish()));
    }
    encode::len(out, nodes.len() as u64);
    for (master, lp) in &nodes {
        encode::string(out, &master.to_be_bytes(), false);
        encode::string(out, lp, compress);
    }
}

/// The consumer groups with their PEL and consumers.
fn write_groups(out: &mut Vec<u8>, s: &Stream, compress: bool) {
    encode::len(out, s.groups.len() as u64);
    for (name, g) in &s.groups {
        encode::string(out, name, compress);
        id_len(out, g.last_id);
        encode::len(out, g.entries_read as u64);
        encode::len(out, g.pel.len() as u64);
        for (id, nack) in &g.pel {
            out.extend_from_slice(&id.to_be_bytes());
            out.extend_from_slice(&nack.delivery_time.to_le_bytes());
            encode::len(out, nack.delivery_count);
        }
        encode::len(out, g.consumers.len() as u64);
        for (cname, c) in &g.consumers {
            encode::string(out, cname, compress);
            out.extend_from_slice(&c.seen_time.to_le_bytes());
            encode::len(out, c.pel.len() as u64);
            for id in &c.pel {
                out.extend_from_slice(&id.to_be_bytes());
            }
        }
    }
}

fn as_int(e: Option<Elem<'_>>) -> LoadResult<i64> {
    match e {
        Some(Elem::Int(v)) => Ok(v),
        Some(Elem::Str(s)) => parse_i64(s).ok_or_else(|| corrupt("Bad stream listpack entry")),
        None => Err(corrupt("Truncated stream listpack")),
    }
}

fn as_bytes(e: Option<Elem<'_>>) -> LoadResult<Vec<u8>> {
    e.map(|e| e.to_vec()).ok_or_else(|| corrupt("Truncated stream listpack"))
}

/// Reads one node's listpack into `s`.
fn read_node(s: &mut Stream, master: StreamId, lp: &[u8]) -> LoadResult<()> {
    let mut elems: Vec<Elem<'_>> = Vec::new();
    listpack::for_each(lp, |e| elems.push(e)).map_err(corrupt)?;
    if elems.is_empty() {
        return Err(corrupt("Empty listpack inside stream"));
    }
    let mut it = elems.into_iter();
    let _count = as_int(it.next())?;
    let deleted = as_int(it.next())?;
    let nmaster = as_int(it.next())?;
    if !(0..=1 << 20).contains(&nmaster) {
        return Err(corrupt("Bad stream master entry"));
    }
    let mut master_fields: Vec<Box<[u8]>> = Vec::with_capacity(nmaster as usize);
    for _ in 0..nmaster {
        master_fields.push(as_bytes(it.next())?.into_boxed_slice());
    }
    if as_int(it.next())? != 0 {
        return Err(corrupt("Bad stream master entry terminator"));
    }
    let mut entries: Vec<LoadedEntry> = Vec::new();
    while let Some(flags) = it.next() {
        let flags = as_int(Some(flags))?;
        let ms = master.ms.wrapping_add(as_int(it.next())? as u64);
        let seq = master.seq.wrapping_add(as_int(it.next())? as u64);
        let id = StreamId::new(ms, seq);
        let mut items: Vec<Vec<u8>> = Vec::new();
        if flags & FLAG_SAMEFIELDS != 0 {
            for f in &master_fields {
                items.push(f.to_vec());
                items.push(as_bytes(it.next())?);
            }
        } else {
            let n = as_int(it.next())?;
            if !(0..=1 << 20).contains(&n) {
                return Err(corrupt("Bad stream entry"));
            }
            for _ in 0..2 * n {
                items.push(as_bytes(it.next())?);
            }
        }
        let _lp_count = as_int(it.next())?;
        if let Some(last) = entries.last()
            && last.id >= id
        {
            return Err(corrupt("Stream entries out of order"));
        }
        entries.push(LoadedEntry { id, deleted: flags & FLAG_DELETED != 0, items });
    }
    let _ = deleted;
    s.load_node(master, master_fields, &entries, lp.len());
    Ok(())
}

fn read_id<R: Read>(src: &mut Source<R>) -> LoadResult<StreamId> {
    Ok(StreamId::new(src.length()?, src.length()?))
}

fn raw_id<R: Read>(src: &mut Source<R>) -> LoadResult<StreamId> {
    let mut b = [0u8; 16];
    src.read_into(&mut b)?;
    Ok(StreamId::from_be_bytes(&b))
}

/// Reads a stream of RDB type `t` (15, 19 or 21).
pub fn read<R: Read>(src: &mut Source<R>, t: u8) -> LoadResult<Stream> {
    let mut s = Stream::new();
    let nodes = src.length()?;
    for _ in 0..nodes {
        let key = src.string()?;
        let key: [u8; 16] =
            key.try_into().map_err(|_| corrupt("Stream node key entry is not the size of a stream ID"))?;
        let master = StreamId::from_be_bytes(&key);
        let lp = src.string()?;
        read_node(&mut s, master, &lp)?;
    }
    let length = src.length()?;
    s.last_id = read_id(src)?;
    if t == ty::STREAM_LISTPACKS {
        s.entries_added = length;
        s.first_id = s.first_entry_id().unwrap_or(StreamId::ZERO);
    } else {
        s.first_id = read_id(src)?;
        s.max_deleted_id = read_id(src)?;
        s.entries_added = src.length()?;
    }
    if length != s.len() as u64 {
        return Err(corrupt("Stream length inconsistent with its entries"));
    }
    let groups = src.length()?;
    for _ in 0..groups {
        let name = src.string()?.into_boxed_slice();
        let last_id = read_id(src)?;
        let entries_read = if t == ty::STREAM_LISTPACKS { s.estimate_distance(last_id) } else { src.length()? as i64 };
        let entries_read = if entries_read < 0 { ENTRIES_READ_INVALID } else { entries_read };
        let mut g = Group::new(last_id, entries_read);
        let pel = src.length()?;
        for _ in 0..pel {
            let id = raw_id(src)?;
            let delivery_time = src.u64_le()?;
            let delivery_count = src.length()?;
            if g.pel.insert(id, Nack { delivery_time, delivery_count, consumer: Box::default() }).is_some() {
                return Err(corrupt("Duplicated global PEL entry loading stream consumer group"));
            }
        }
        let consumers = src.length()?;
        for _ in 0..consumers {
            let cname = src.string()?.into_boxed_slice();
            let seen_time = src.u64_le()?;
            if t == ty::STREAM_LISTPACKS_3 {
                let _active_time = src.u64_le()?;
            }
            let mut c = Consumer { seen_time, pel: Default::default() };
            let n = src.length()?;
            for _ in 0..n {
                let id = raw_id(src)?;
                let Some(nack) = g.pel.get_mut(&id) else {
                    return Err(corrupt("Consumer entry not found in group global PEL"));
                };
                nack.consumer = cname.clone();
                c.pel.insert(id);
            }
            if g.consumers.insert(cname, c).is_some() {
                return Err(corrupt("Duplicate stream consumer detected."));
            }
        }
        if g.pel.values().any(|n| n.consumer.is_empty() && !g.consumers.contains_key(&n.consumer)) {
            return Err(corrupt("Stream CG PEL entry without consumer"));
        }
        if s.groups.insert(name, g).is_some() {
            return Err(corrupt("Duplicated consumer group name"));
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::stream::NodeLimits;

    /// Redis 6.2's layout (type 15): no first id, max deleted id, entries
    /// added or group read counters; they are derived on load.
    #[test]
    fn loads_redis_6_2_streams() {
        let mut s = Stream::new();
        for i in 1..=5u64 {
            s.append(StreamId::new(i, 0), &[b"f", b"v"], NodeLimits::default());
        }
        let mut out = Vec::new();
        write_nodes(&mut out, &s, false);
        encode::len(&mut out, 5);
        id_len(&mut out, StreamId::new(5, 0));
        encode::len(&mut out, 1);
        encode::string(&mut out, b"g", false);
        id_len(&mut out, StreamId::new(5, 0));
        encode::len(&mut out, 0);
        encode::len(&mut out, 0);
        let back = read(&mut Source::new(&out[..]), ty::STREAM_LISTPACKS).unwrap();
        assert_eq!(back.len(), 5);
        assert_eq!(back.entries_added, 5);
        assert_eq!(back.first_id, StreamId::new(1, 0));
        assert_eq!(back.groups[&b"g"[..]].entries_read, 5);
    }

    /// Redis 7.2's layout (type 21): consumers carry an active time after
    /// their seen time.
    #[test]
    fn loads_redis_7_2_streams() {
        let mut s = Stream::new();
        s.append(StreamId::new(1, 0), &[b"f", b"v"], NodeLimits::default());
        let mut out = Vec::new();
        write_nodes(&mut out, &s, false);
        encode::len(&mut out, 1);
        for v in [1, 0, 1, 0, 0, 0, 1] {
            encode::len(&mut out, v);
        }
        encode::len(&mut out, 1);
        encode::string(&mut out, b"g", false);
        id_len(&mut out, StreamId::new(1, 0));
        encode::len(&mut out, 1);
        encode::len(&mut out, 1);
        out.extend_from_slice(&StreamId::new(1, 0).to_be_bytes());
        out.extend_from_slice(&77u64.to_le_bytes());
        encode::len(&mut out, 2);
        encode::len(&mut out, 1);
        encode::string(&mut out, b"alice", false);
        out.extend_from_slice(&88u64.to_le_bytes());
        out.extend_from_slice(&99u64.to_le_bytes());
        encode::len(&mut out, 1);
        out.extend_from_slice(&StreamId::new(1, 0).to_be_bytes());
        let back = read(&mut Source::new(&out[..]), ty::STREAM_LISTPACKS_3).unwrap();
        let g = &back.groups[&b"g"[..]];
        assert_eq!(g.pel[&StreamId::new(1, 0)].delivery_time, 77);
        assert_eq!(&*g.pel[&StreamId::new(1, 0)].consumer, b"alice");
        assert_eq!(g.consumers[&b"alice"[..]].seen_time, 88);
    }

    #[test]
    fn round_trip() {
        let mut s = Stream::new();
        for i in 1..=150u64 {
            let v = i.to_string();
            let items: Vec<&[u8]> =
                if i % 7 == 0 { vec![b"other", v.as_bytes()] } else { vec![b"f", v.as_bytes(), b"g", &[b'x'; 70]] };
            s.append(StreamId::new(i, 1), &items, NodeLimits::default());
        }
        s.delete(&[StreamId::new(3, 1)]);
        let mut g = Group::new(StreamId::new(5, 1), 4);
        g.consumers.insert(b"alice"[..].into(), Consumer { seen_time: 99, pel: Default::default() });
        g.pel.insert(StreamId::new(4, 1), Nack { delivery_time: 7, delivery_count: 2, consumer: b"alice"[..].into() });
        g.consumers.get_mut(&b"alice"[..]).unwrap().pel.insert(StreamId::new(4, 1));
        s.groups.insert(b"g1"[..].into(), g);
        let mut out = Vec::new();
        write(&mut out, &s, true);
        let mut src = Source::new(&out[..]);
        let back = read(&mut src, ty::STREAM_LISTPACKS_2).unwrap();
        assert_eq!(back.len(), 149);
        let a: Vec<_> = s.range(StreamId::ZERO, StreamId::MAX, false).map(|(i, f)| (i, f.to_vec())).collect();
        let b: Vec<_> = back.range(StreamId::ZERO, StreamId::MAX, false).map(|(i, f)| (i, f.to_vec())).collect();
        assert_eq!(a, b);
        assert_eq!(back.max_deleted_id, StreamId::new(3, 1));
        assert_eq!(back.entries_added, 150);
        assert_eq!(back.groups[&b"g1"[..]].pel[&StreamId::new(4, 1)].consumer[..], b"alice"[..]);
        assert_eq!(back.node_count(), s.node_count());
    }
}
