//! kumiai's integration tests: the real binary and library on the bundled corpus (and edited
//! copies of it), in one test binary — one link instead of twelve, as ripgrep's tests are —
//! with one module per concern and the shared helpers in [`util`].

mod util;

mod bad_input;
mod compare;
mod excel;
mod foundation;
mod fuzz;
mod pictures;
mod privacy;
mod search;
mod serve;
mod tables;
mod themes;
mod workflow;
