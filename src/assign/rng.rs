//! The documented random stream behind every allocation: a seeded ChaCha20 keystream
//! read as raw 64-bit words, with our own unbiased bounded-integer draw and
//! Fisher–Yates shuffle. Nothing here goes through rand's `StdRng`, `shuffle`,
//! `choose` or `random_range`, whose outputs rand does not promise to keep across
//! versions; the golden tests in `tests/assign_golden.rs` pin the exact output.
//!
//! # Procedure (version `evident-assign-v1`)
//!
//! 1. **Key.** The 32-byte ChaCha20 key is SHA-256 of the 17 ASCII bytes
//!    `evident-assign-v1` followed by the seed as 8 bytes, little-endian.
//! 2. **Stream.** ChaCha20 (20 rounds, D. J. Bernstein 2008) with that key, a zero
//!    64-bit nonce and the 64-bit block counter starting at 0. The keystream is read
//!    as 32-bit little-endian words; a 64-bit draw `x` is two consecutive words, the
//!    first as the low half. (With a zero nonce this is the same keystream as
//!    RFC 8439's ChaCha20 with a zero nonce.)
//! 3. **Bounded integer** below `n` (Lemire 2019): `m = x·n` as a 128-bit product;
//!    if the low 64 bits of `m` are below `2^64 mod n`, draw `x` again; the result is
//!    the high 64 bits of `m`. Every value in `0..n` is equally likely.
//! 4. **Shuffle** (Fisher–Yates, Durstenfeld's form): for `i` from `len − 1` down to
//!    1, draw `j` below `i + 1` and swap items `i` and `j`.
//! 5. **Uniform** in [0, 1): `(x >> 11) · 2^-53`.
//!
//! # References
//! - Bernstein, D. J. (2008). ChaCha, a variant of Salsa20.
//! - Lemire, D. (2019). Fast random integer generation in an interval. ACM
//!   Transactions on Modeling and Computer Simulation 29(1). doi:10.1145/3230636
//! - Durstenfeld, R. (1964). Algorithm 235: Random permutation. CACM 7(7), 420.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::Rng as _;
use sha2::{Digest, Sha256};

/// Name and version of the procedure, recorded in every manifest.
pub const PROCEDURE: &str = "evident-assign-v1";

/// The seeded stream. Draws are consumed in the order the allocation procedure
/// documents (`super` module docs), so one seed always gives one allocation.
pub struct Stream {
    inner: ChaCha20Rng,
    draws: u64,
}

impl Stream {
    /// The stream for `seed` (step 1 and 2 of the procedure).
    pub fn new(seed: u64) -> Stream {
        let mut hasher = Sha256::new();
        hasher.update(PROCEDURE.as_bytes());
        hasher.update(seed.to_le_bytes());
        let key: [u8; 32] = hasher.finalize().into();
        Stream::from_key(key)
    }

    /// The stream for a raw ChaCha20 key (used to check the cipher against its
    /// published test vectors).
    pub fn from_key(key: [u8; 32]) -> Stream {
        Stream {
            inner: ChaCha20Rng::from_seed(key),
            draws: 0,
        }
    }

    /// One raw 64-bit draw.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.draws += 1;
        self.inner.next_u64()
    }

    /// How many 64-bit words have been drawn so far.
    pub fn draws(&self) -> u64 {
        self.draws
    }

    /// A uniform integer in `0..n` (step 3, Lemire's method with rejection).
    /// `n` must be at least 1.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0, "a bound of at least 1");
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        let mut low = m as u64;
        if low < n {
            let threshold = n.wrapping_neg() % n;
            while low < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
                low = m as u64;
            }
        }
        (m >> 64) as u64
    }

    /// Shuffles `items` in place (step 4, Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// A uniform number in [0, 1) with 53 random bits (step 5).
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ChaCha20 with an all-zero key and nonce: the first keystream bytes are
    /// 76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28 (test vector TC1 of
    /// draft-strombergson-chacha-test-vectors; also RFC 8439 appendix A.1 test 1).
    #[test]
    fn keystream_matches_the_published_zero_key_vector() {
        let mut stream = Stream::from_key([0; 32]);
        assert_eq!(stream.next_u64(), 0x903d_f1a0_ade0_b876);
        assert_eq!(stream.next_u64(), 0x28bd_8653_e56a_5d40);
    }

    #[test]
    fn below_stays_in_range_and_is_roughly_uniform() {
        let mut stream = Stream::new(7);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[stream.below(6) as usize] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
        assert_eq!(stream.below(1), 0);
    }

    #[test]
    fn below_rejects_the_biased_zone() {
        // For n = 2^63 + 1 almost half of all products fall in the rejected zone;
        // results must still be below n.
        let mut stream = Stream::new(1);
        let n = (1u64 << 63) + 1;
        for _ in 0..1_000 {
            assert!(stream.below(n) < n);
        }
    }

    #[test]
    fn shuffle_is_a_permutation_and_seeded() {
        let mut a: Vec<u32> = (0..100).collect();
        let mut b = a.clone();
        Stream::new(42).shuffle(&mut a);
        Stream::new(42).shuffle(&mut b);
        assert_eq!(a, b);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_ne!(a, sorted);
    }

    #[test]
    fn uniform_is_in_unit_interval() {
        let mut stream = Stream::new(3);
        for _ in 0..10_000 {
            let u = stream.uniform();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
