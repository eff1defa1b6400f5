/-
The Lean side of the STP platform. Building this library builds Mathlib's imports for the REPL that the
Python backend drives (`STP_LEAN_REPL="lake exe repl"`, run from the repository root), and the editor tactics
`stp_suggest` and `stp_prove`, which ask a running `stp serve` for tactics and proofs.
-/
import Mathlib
import STP.Tactics
