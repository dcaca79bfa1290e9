//! The console window on Windows.
//!
//! `adphoto.exe` is a console program, so that a terminal waits for it, shows what the command
//! line prints and gets its exit code, and a password prompt reads the terminal. Started from
//! the Start menu, a console program gets a console window of its own: Windows 11 24H2 and
//! later skip it because of the manifest's `consoleAllocationPolicy` (see build.rs); on older
//! Windows, [`detach_if_own`] closes it as the window opens (it may flash for a moment).

/// Lets go of the console if no other process shares it — that is, if Windows made it just for
/// this process (started from the Start menu or Explorer) rather than a terminal that started us.
/// Call it only when the window is about to open: afterwards nothing printed is seen.
/// Elsewhere than on Windows it does nothing.
pub fn detach_if_own() {
    #[cfg(windows)]
    {
        use windows_sys::Win32::System::Console::{FreeConsole, GetConsoleProcessList};
        let mut pids = [0u32; 2];
        // SAFETY: the buffer is valid for `pids.len()` elements; the call only writes into it
        // and returns how many processes share the console (0 when there is none).
        let sharing = unsafe { GetConsoleProcessList(pids.as_mut_ptr(), pids.len() as u32) };
        if sharing == 1 {
            // SAFETY: no arguments; detaching from a console is always allowed. Rust's standard
            // streams treat the then-invalid handles as closed and swallow writes.
            unsafe { FreeConsole() };
        }
    }
}
