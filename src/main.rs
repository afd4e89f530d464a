//! The `slipway` binary: everything is in [`slipway::cli`]... which lives in this crate's
//! `cli` module, kept out of the library so the compiler itself never does IO.

mod cli;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
