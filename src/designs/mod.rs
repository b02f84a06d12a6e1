//! Designs beyond the arm comparisons of `analysis`: each has its own folder with its
//! data checks, estimation and inference.

pub mod synth;
