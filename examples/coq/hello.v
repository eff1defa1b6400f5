(* An example the project ships: `stp check examples/coq/hello.v` verifies it with real Coq. *)
Require Import Arith Lia Reals Lra.
Open Scope nat_scope.

Theorem add_comm_example (a b : nat) : a + b = b + a.
Proof.
  (* linear arithmetic over the naturals *)
  lia.
Qed.

Theorem sum_of_squares_nonneg (x y : R) : (0 <= x * x + y * y)%R.
Proof.
  nra.
Qed.

Lemma double_even (n : nat) : exists k, n + n = 2 * k.
Proof.
  exists n.
  lia.
Qed.
