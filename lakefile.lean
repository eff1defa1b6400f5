import Lake
open Lake DSL

-- The Lean package users open in VS Code. It pins Mathlib and the Lean REPL to the Lean version of
-- `lean-toolchain`, so `lake exe repl` (the backend `STP_LEAN_REPL` points at) sees Mathlib.
-- Not built on our CI machines: Lean toolchains cannot be downloaded there (see README).
package stp where
  leanOptions := #[⟨`autoImplicit, false⟩]

require mathlib from git
  "https://github.com/leanprover-community/mathlib4" @ "v4.24.0"

require REPL from git
  "https://github.com/leanprover-community/repl" @ "v4.24.0"

@[default_target]
lean_lib STP where
  srcDir := "lean_project"
