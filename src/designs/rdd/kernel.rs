//! The three kernels of rdrobust, their weights and the constant of the pilot bandwidth.

/// Kernel weighting observations by their distance from the cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    Triangular,
    Epanechnikov,
    Uniform,
}

impl Kernel {
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Triangular => "triangular",
            Kernel::Epanechnikov => "epanechnikov",
            Kernel::Uniform => "uniform",
        }
    }

    /// rdrobust_kweight: the weight of `x` at bandwidth `h`, divided by `h` as rdrobust
    /// does (the scale cancels in the estimates but enters the pilot constants).
    #[inline]
    pub fn weight(self, x: f64, c: f64, h: f64) -> f64 {
        let u = (x - c) / h;
        let inside = u.abs() <= 1.0;
        if !inside {
            return 0.0;
        }
        match self {
            Kernel::Triangular => (1.0 - u.abs()) / h,
            Kernel::Epanechnikov => 0.75 * (1.0 - u * u) / h,
            Kernel::Uniform => 0.5 / h,
        }
    }

    /// The rule-of-thumb constant of rdbwselect's pilot bandwidth `C_c * BWp * N^(-1/5)`.
    pub(crate) fn pilot_constant(self) -> f64 {
        match self {
            Kernel::Triangular => 2.576,
            Kernel::Epanechnikov => 2.34,
            Kernel::Uniform => 1.843,
        }
    }
}
