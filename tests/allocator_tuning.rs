//! `sys::tune_allocator` turns glibc's fastbins off: freed small blocks no
//! longer wait in them (to be merged all at once by a later large
//! allocation, a stall on the command thread). Its own test binary: no
//! other test allocates meanwhile, so malloc's statistics move only with
//! what this test does.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn freed_small_blocks_skip_the_fastbins() {
    // SAFETY: mallinfo2 only reads malloc's statistics.
    let fastbin_bytes = || unsafe { libc::mallinfo2() }.fsmblks;
    // Frees 10,000 small blocks and returns the fastbin bytes right after
    // (before the vector's own large buffer is freed: freeing that merges
    // the fastbins, which is the stall this tuning avoids).
    let churn = || {
        let mut blocks: Vec<Box<[u8; 40]>> = (0..10_000).map(|_| Box::new([1u8; 40])).collect();
        std::hint::black_box(&blocks);
        blocks.clear();
        fastbin_bytes()
    };
    // Untuned, the churn leaves blocks in the fastbins: the probe works.
    let before = fastbin_bytes();
    assert!(churn() > before + 100_000, "glibc's default keeps freed 48-byte chunks in fastbins");
    redis_rs_server::sys::tune_allocator();
    let tuned = fastbin_bytes();
    assert_eq!(churn(), tuned, "no freed block waits in a fastbin once tuned");
}
