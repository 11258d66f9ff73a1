//! A cache prefetch hint: asks the CPU to start loading the cache line at an
//! address and returns at once. A pipeline's keys are looked up one after
//! another, each lookup waiting for its table slot and then its node to come
//! from memory; prefetching all of a batch's slots first lets those misses
//! overlap. A hint changes nothing the program computes.
//!
//! The one `unsafe` outside `alloc` and `sys`: the intrinsic is a
//! `#[target_feature]` function, callable only from `unsafe` code.
#![allow(unsafe_code)]

/// Starts loading the cache line holding `p` into all cache levels. Any
/// address is allowed, dangling or null included: a prefetch never faults.
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` (`prefetcht0`) needs SSE, which is part of the
    // x86_64 baseline every Rust x86_64 target compiles for, so the CPU has
    // it. The instruction reads nothing the program observes and never
    // faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(test)]
mod tests {
    use super::prefetch;

    #[test]
    fn prefetch_any_address_changes_nothing() {
        let v = vec![7u64; 1024];
        for x in &v {
            prefetch(x);
        }
        prefetch(std::ptr::null::<u64>());
        prefetch(usize::MAX as *const u8);
        prefetch(v.as_ptr().wrapping_add(1 << 40));
        assert!(v.iter().all(|&x| x == 7));
    }
}
