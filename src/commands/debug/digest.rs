//! DEBUG DIGEST / DIGEST-VALUE: Redis's dataset signature. Each key's digest
//! mixes (order-preserving SHA-1 chaining) the key, the value's type and
//! content, and an expiry marker; the SHA-1s of the key digests are XORed together so the
//! table's order does not matter. For string values this is Redis's
//! algorithm exactly, so equal datasets give the digest Redis gives.

use crate::keyspace::{Db, Entry, Value};
use crate::util::sha1::{Sha1, sha1};

pub type Digest = [u8; 20];

/// `digest ^= SHA1(data)`.
fn xor(digest: &mut Digest, data: &[u8]) {
    for (d, h) in digest.iter_mut().zip(sha1(data)) {
        *d ^= h;
    }
}

/// `digest = SHA1(digest ^ SHA1(data))`.
fn mix(digest: &mut Digest, data: &[u8]) {
    xor(digest, data);
    let mut s = Sha1::new();
    s.update(digest);
    *digest = s.finish();
}

/// Redis's object type numbers (`OBJ_STRING` …).
fn type_number(v: &Value) -> u32 {
    match v {
        Value::Str(_) | Value::Embstr(_) | Value::Raw(_) => 0,
        Value::List(_) => 1,
        Value::Set(_) => 2,
        Value::ZSet(_) => 3,
        Value::Hash(_) => 4,
        Value::Stream(_) => 6,
    }
}

/// Mixes an entry's type, value and expiry marker into `digest`
/// (Redis's `xorObjectDigest`).
pub fn mix_entry(digest: &mut Digest, e: &Entry) {
    mix(digest, &type_number(&e.value).to_be_bytes());
    match &e.value {
        Value::Str(_) | Value::Embstr(_) | Value::Raw(_) => mix(digest, e.value.as_str().expect("a string")),
        // The collection types do not expose their elements yet: until they
        // do, a collection contributes its length, which keeps the digest
        // stable but does not tell apart collections of equal length.
        Value::List(l) => mix(digest, l.len().to_string().as_bytes()),
        Value::Set(s) => mix(digest, s.len().to_string().as_bytes()),
        Value::ZSet(z) => mix(digest, z.len().to_string().as_bytes()),
        Value::Hash(h) => mix(digest, h.len().to_string().as_bytes()),
        Value::Stream(s) => mix(digest, s.len().to_string().as_bytes()),
    }
    if e.expire().is_some() {
        xor(digest, b"!!expire!!");
    }
}

/// The digest of every database (all zeros when the dataset is empty).
pub fn dataset(dbs: &[Db]) -> Digest {
    let mut out = [0u8; 20];
    for (id, db) in dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        mix(&mut out, &(id as u32).to_be_bytes());
        db.dict().for_each(|e| {
            let mut d = [0u8; 20];
            mix(&mut d, e.key().as_bytes());
            mix_entry(&mut d, e);
            xor(&mut out, &d);
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyspace::Ttl;
    use crate::util::sha1::hex;

    #[test]
    fn order_free_and_content_sensitive() {
        let mut a = Db::new(0);
        a.set(b"x", Value::string(b"1"), Ttl::Clear, 0);
        a.set(b"y", Value::string(b"2"), Ttl::Clear, 0);
        let mut b = Db::new(0);
        b.set(b"y", Value::string(b"2"), Ttl::Clear, 0);
        b.set(b"x", Value::string(b"1"), Ttl::Clear, 0);
        assert_eq!(dataset(std::slice::from_ref(&a)), dataset(std::slice::from_ref(&b)));
        b.set(b"x", Value::string(b"3"), Ttl::Clear, 0);
        assert_ne!(dataset(std::slice::from_ref(&a)), dataset(std::slice::from_ref(&b)));
        assert_eq!(hex(&dataset(&[Db::new(0)])), "0000000000000000000000000000000000000000");
    }
}
