-- An example the project ships: `stp check examples/lean/hello.lean` verifies it where a Lean REPL is configured.
import Mathlib

theorem add_comm_example (a b : ℕ) : a + b = b + a := by
  omega

theorem sum_of_squares_nonneg (x y : ℝ) : 0 ≤ x * x + y * y := by
  nlinarith [sq_nonneg x, sq_nonneg y]
