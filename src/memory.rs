//! How the process gives memory back. glibc's malloc serves a large buffer
//! from a private mapping and unmaps it when freed, but after the first
//! such free it raises that threshold (up to 32 MiB) and keeps later large
//! buffers in the heap, where freed memory mostly stays resident: each
//! login's 19 MiB argon2 buffer, a big report's rows. A fixed threshold
//! keeps them mapped, so the server's resident size falls back after them.

/// Buffers from this size up are mapped on their own and unmapped when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD_BYTES: libc::c_int = 256 * 1024;

/// Sets the allocator up for a long-running server (call once, at start).
/// The one `unsafe` of the crate: a C call with no pointers.
#[allow(unsafe_code)]
pub fn return_large_buffers_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; it is called before
    // the server's threads start allocating.
    let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) };
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if set == 0 {
        tracing::warn!("the allocator refused a fixed mmap threshold; freed large buffers may stay resident");
    }
}
