import Lake
open Lake DSL

-- The Lean package users open in VS Code. It pins Mathlib and the Lean REPL to the Lean version of
-- `lean-toolchain`, so the REPL (the backend `STP_LEAN_REPL` points at) sees Mathlib.
-- Not built on our CI machines: Lean toolchains cannot be downloaded there (see docs/lean-setup.md).
package stp where
  -- Applies to the files of this package only; REPL commands get Lean's defaults, so the Python backend sends
  -- `set_option autoImplicit false` itself after every header (itp/lean/session.py).
  leanOptions := #[⟨`autoImplicit, false⟩]

require mathlib from git
  "https://github.com/leanprover-community/mathlib4" @ "v4.24.0"

require REPL from git
  "https://github.com/leanprover-community/repl" @ "v4.24.0"

@[default_target]
lean_lib STP where
  srcDir := "lean_project"

-- The REPL as an executable of this package, built by a plain `lake build` (REPL.Main's top-level `main`, as the
-- REPL's own `repl` target uses; it needs the interpreter). Start it with `lake env .lake/build/bin/stp-repl`: no
-- build step runs when a session starts, so concurrent starts cannot race on `lake exe repl` compiling it.
@[default_target]
lean_exe «stp-repl» where
  root := `REPL.Main
  supportInterpreter := true
