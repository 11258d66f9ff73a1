//! Memory accounting for INFO `used_memory`: the process's global allocator
//! is the system allocator wrapped to count the bytes it hands out.
//!
//! One of the two places with `unsafe` (with `sys`), and why it is worth it: INFO
//! `used_memory` (read by clients, the Tcl suite and, later, `maxmemory`)
//! must move with the dataset, byte for byte, the way Redis's zmalloc
//! counter does. RSS cannot: the allocator keeps freed pages and RSS moves in
//! 4 KiB steps. `GlobalAlloc` is an unsafe trait; this impl only forwards each
//! call unchanged to `System` and adds or subtracts the size with a relaxed
//! atomic, which is what zmalloc does too (one uncontended atomic add per
//! allocation). Sizes are rounded the way glibc's malloc rounds chunks, so the
//! count approximates `malloc_usable_size` as Redis's does.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

static USED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Allocations (and reallocations) made by this thread: the proof that a
    /// command path does not allocate (tests/alloc_per_reply.rs). A const
    /// initializer and no destructor, so it is usable inside the allocator.
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

#[inline]
fn count_allocation() {
    ALLOCATIONS.with(|n| n.set(n.get() + 1));
}

/// The system allocator plus a byte counter.
pub struct Counting;

/// glibc's usable size for a request: chunks are 16-byte aligned with an
/// 8-byte header, and at least 32 bytes.
#[inline]
const fn usable(size: usize) -> usize {
    let chunk = (size + 8 + 15) & !15;
    if chunk < 32 { 24 } else { chunk - 8 }
}

// SAFETY: every method forwards its arguments unchanged to `System`, which
// upholds the `GlobalAlloc` contract; the counter has no effect on memory.
unsafe impl GlobalAlloc for Counting {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours; `layout` is passed through.
        let p = unsafe { System.alloc(layout) };
        count_allocation();
        if !p.is_null() {
            USED.fetch_add(usable(layout.size()), Ordering::Relaxed);
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.alloc_zeroed(layout) };
        count_allocation();
        if !p.is_null() {
            USED.fetch_add(usable(layout.size()), Ordering::Relaxed);
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (we forward every allocation).
        unsafe { System.dealloc(ptr, layout) };
        USED.fetch_sub(usable(layout.size()), Ordering::Relaxed);
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr`/`layout` come from a forwarded allocation; `new_size` as given.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        count_allocation();
        if !p.is_null() {
            USED.fetch_add(usable(new_size), Ordering::Relaxed);
            USED.fetch_sub(usable(layout.size()), Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations and reallocations made so far by the calling thread.
pub fn thread_allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// Bytes currently allocated by the process (Redis's `zmalloc_used_memory`).
pub fn used_memory() -> usize {
    USED.load(Ordering::Relaxed)
}

/// The process's resident set size in bytes, from `/proc/self/statm`
/// (0 where unavailable).
pub fn rss() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<usize>().ok()))
        .map(|pages| pages * 4096)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_allocations() {
        let before = used_memory();
        // Other tests allocate concurrently: leave them a wide margin.
        let v: Vec<u8> = Vec::with_capacity(32 << 20);
        assert!(used_memory() >= before + (16 << 20), "a 32 MiB vector shows in the count");
        drop(v);
        assert_eq!(usable(1), 24);
        assert_eq!(usable(24), 24);
        assert_eq!(usable(25), 40);
        assert_eq!(usable(72), 72);
        assert_eq!(usable(73), 88);
    }
}
