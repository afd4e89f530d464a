//! The `slipway` binary: everything is in [`slipway::cli`]... which lives in this crate's
//! `cli` module, kept out of the library so the compiler itself never does IO.

// Every failure of the command line is a message and an exit status, never a panic (tests may
// unwrap).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod cli;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
