/-
Editor tactics that ask the `stp serve` HTTP server (see docs/server.md) for help:

* `stp_suggest` sends the pretty-printed goal to `POST /generate`, runs every returned tactic on the current goal
  (the proof state is restored after each try), and offers the ones that run without an error as "Try this"
  suggestions.
* `stp_prove` reverts the hypotheses, sends the resulting proposition to `POST /prove`, checks the server's proof
  (prefixed by `revert ...`) here too, and offers it as a "Try this" suggestion, indented for the place of the call.

The server is reached with `curl` (as Lean Copilot's external models are), at `stp.host`/`stp.port`. Lean toolchains
cannot be installed on our CI machines: this file is checked by `pytest -m lean` where a toolchain exists (docs/lean-setup.md).
-/
import Lean
import Lean.Meta.Tactic.TryThis

open Lean Elab Tactic Meta
-- `TryThis` lives in the namespace `Lean.Meta.Tactic.TryThis` (src/Lean/Meta/Tactic/TryThis.lean), which
-- `open Lean Elab Tactic Meta` does not reach (there `Tactic` is `Lean.Elab.Tactic`): it is named in full below.

namespace STP

register_option stp.host : String := {
  defValue := "127.0.0.1"
  descr := "host of the `stp serve` server"
}

register_option stp.port : Nat := {
  defValue := 23337
  descr := "port of the `stp serve` server"
}

register_option stp.budget : Nat := {
  defValue := 30
  descr := "seconds the server may search for one `stp_prove`"
}

register_option stp.header : String := {
  defValue := "import Mathlib"
  descr := "imports the server elaborates `stp_prove` goals under"
}

/-- POST a JSON body to the server and parse its JSON answer. -/
def post (path : String) (body : Json) : MetaM Json := do
  let opts ← getOptions
  let url := s!"http://{stp.host.get opts}:{stp.port.get opts}{path}"
  let out ← IO.Process.output {
    cmd := "curl"
    args := #["-s", "-S", "-X", "POST", url, "-H", "Content-Type: application/json", "-d", body.compress]
  }
  if out.exitCode != 0 then
    throwError "stp: cannot reach {url} (is `stp serve` running?): {out.stderr}"
  match Json.parse out.stdout with
  | .ok json => pure json
  | .error err => throwError "stp: the server's answer is not JSON ({err}): {out.stdout}"

/-- Run `tac` on the current goals and report how many goals remain, or `none` when it does not parse, throws
(runtime exceptions such as a heartbeat timeout included: `tryCatchRuntimeEx`, not `tryCatch`), or logs an error.
Elaboration errors are usually *recovered* (the term becomes `sorry` and the error is only logged), so the log is
checked before the state, log included, is restored: as llmstep's `checkSuggestion` does. -/
def tryTactic (tac : String) : TacticM (Option Nat) := do
  let saved ← saveState
  -- Start from an empty log, so errors reported earlier in the user's file do not count against `tac`.
  modifyThe Core.State fun s => { s with messages := {} }
  let attempt : TacticM (Option Nat) := do
    match Parser.runParserCategory (← getEnv) `tactic tac with
    | .ok stx =>
      Term.withoutErrToSorry (evalTactic stx)
      if (← getThe Core.State).messages.hasErrors then
        pure none
      else
        pure (some (← getUnsolvedGoals).length)
    | .error _ => pure none
  let result ← tryCatchRuntimeEx attempt (fun _ => pure none)
  saved.restore
  pure result

/-- Ask the server for tactics; offer those that run on the current goal without an error. -/
elab "stp_suggest" : tactic => do
  let goal ← getMainGoal
  let state := toString (← ppGoal goal)
  let answer ← post "/generate" (Json.mkObj [("name", toJson "stp"), ("input", toJson state), ("prefix", toJson "")])
  let outputs ← match answer.getObjValAs? (Array Json) "outputs" with
    | .ok outs => pure outs
    | .error _ => throwError "stp: unexpected answer from /generate: {answer.compress}"
  let mut working : Array Lean.Meta.Tactic.TryThis.Suggestion := #[]
  for out in outputs do
    if let .ok tac := out.getObjValAs? String "output" then
      if (← tryTactic tac).isSome then
        working := working.push { suggestion := .string tac }
  if working.isEmpty then
    logInfo m!"stp: none of the {outputs.size} suggested tactics runs on this goal"
  else
    Lean.Meta.Tactic.TryThis.addSuggestions (← getRef) working

/-- The lines of `text` without the indentation they all share (blank lines dropped): relative indentation, which
nested tactic blocks need, is kept. -/
def dedent (text : String) : List String :=
  let lines := (text.splitOn "\n").filter (·.trim != "")
  let indent (l : String) : Nat := (l.toList.takeWhile (· == ' ')).length
  let common := (lines.map indent).foldl min (lines.map indent |>.headD 0)
  lines.map (·.drop common)

/-- Ask the server for a whole proof of the current goal (hypotheses reverted) and offer it. -/
elab "stp_prove" : tactic => do
  let goal ← getMainGoal
  let opts ← getOptions
  let hyps ← goal.withContext do
    let lctx ← getLCtx
    pure <| lctx.foldl (init := #[]) fun acc d => if d.isImplementationDetail then acc else acc.push d
  -- Revert on a saved state: only the printed proposition is wanted, the goal itself stays as it is.
  let saved ← saveState
  let (_, closed) ← goal.revert (hyps.map (·.fvarId)) (preserveOrder := true)
  let prop := toString (← ppExpr (← instantiateMVars (← closed.getType)))
  saved.restore
  let answer ← post "/prove" (Json.mkObj [
    ("goal", toJson prop), ("header", toJson (stp.header.get opts)),
    ("budget_seconds", toJson (stp.budget.get opts))])
  let proved := (answer.getObjValAs? Bool "proved").toOption.getD false
  let proof := (answer.getObjValAs? String "proof").toOption.getD ""
  unless proved do
    throwError "stp: the server found no proof ({(answer.getObjValAs? String "status").toOption.getD "error"})"
  let names := hyps.map (·.userName.toString)
  let revertLine := if names.isEmpty then [] else ["revert " ++ " ".intercalate names.toList]
  let lines := revertLine ++ dedent proof
  -- A tactic sequence needs its tactics in one column (sepByIndent's checkColEq): inside `(` they start at
  -- column 1, so every later line gets one space.
  let check := "(" ++ "\n ".intercalate lines ++ ")"
  match (← tryTactic check) with
  | some 0 => pure ()
  | some n => throwError "stp: the server's proof leaves {n} goal(s) here:\n{check}"
  | none => throwError "stp: the server's proof does not run here:\n{check}"
  -- The suggestion replaces `stp_prove` itself: its later lines start at the column the call starts at.
  let ref ← getRef
  let fileMap ← getFileMap
  let column := match ref.getPos? with
    | some pos => (fileMap.toPosition pos).column
    | none => 0
  let script := ("\n" ++ "".pushn ' ' column).intercalate lines
  Lean.Meta.Tactic.TryThis.addSuggestion ref { suggestion := .string script }

end STP
