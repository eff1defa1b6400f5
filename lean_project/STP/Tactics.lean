/-
Editor tactics that ask the `stp serve` HTTP server (see the repository README) for help:

* `stp_suggest` sends the pretty-printed goal to `POST /generate`, runs every returned tactic on the current goal
  (the proof state is restored after each try), and offers the ones that run as "Try this" suggestions.
* `stp_prove` reverts the hypotheses, sends the resulting proposition to `POST /prove`, and offers the server's
  verified proof, prefixed by `revert ...`, as a "Try this" suggestion after checking it here too.

The server is reached with `curl` (as Lean Copilot does), at `stp.host`/`stp.port`. Untested on our machines:
Lean toolchains cannot be installed there.
-/
import Lean
import Lean.Meta.Tactic.TryThis

open Lean Elab Tactic Meta

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

/-- Whether `tac` parses and runs on the main goal; the proof state is restored either way. -/
def runs (tac : String) : TacticM Bool := do
  let saved ← saveState
  let attempt : TacticM Bool := do
    match Parser.runParserCategory (← getEnv) `tactic tac with
    | .ok stx =>
      evalTactic stx
      pure true
    | .error _ => pure false
  let ok ← tryCatch attempt (fun _ => pure false)
  saved.restore
  pure ok

/-- Ask the server for tactics; offer those that run on the current goal. -/
elab "stp_suggest" : tactic => do
  let goal ← getMainGoal
  let state := toString (← ppGoal goal)
  let answer ← post "/generate" (Json.mkObj [("name", toJson "stp"), ("input", toJson state), ("prefix", toJson "")])
  let outputs ← match answer.getObjValAs? (Array Json) "outputs" with
    | .ok outs => pure outs
    | .error _ => throwError "stp: unexpected answer from /generate: {answer.compress}"
  let mut working : Array TryThis.Suggestion := #[]
  for out in outputs do
    if let .ok tac := out.getObjValAs? String "output" then
      if (← runs tac) then
        working := working.push { suggestion := .string tac }
  if working.isEmpty then
    logInfo m!"stp: none of the {outputs.size} suggested tactics runs on this goal"
  else
    TryThis.addSuggestions (← getRef) working

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
  let script := (if names.isEmpty then "" else "revert " ++ " ".intercalate names.toList ++ "\n") ++ proof.trim
  unless (← runs s!"({script})") do
    throwError "stp: the server's proof does not run here:\n{script}"
  TryThis.addSuggestion (← getRef) { suggestion := .string script }

end STP
