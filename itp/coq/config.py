"""Coq's settings: what every backend has (BackendConfig) plus coqtop/coqc, load paths and the standard axioms."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from ..config import BackendConfig

# Axioms that Coq's standard library declares for classical logic and the real numbers. A proof may use one only if
# the header loaded its module (proofs cannot `Require`), so this list is the "standard" set of the trust policy.
COQ_STANDARD_AXIOMS: tuple[str, ...] = (
    "ClassicalDedekindReals.sig_forall_dec",
    "ClassicalDedekindReals.sig_not_dec",
    "FunctionalExtensionality.functional_extensionality_dep",
    "Classical_Prop.classic",
    "PropExtensionality.propositional_extensionality",
    "ProofIrrelevance.proof_irrelevance",
    "Eqdep.Eq_rect_eq.eq_rect_eq",
    "JMeq.JMeq_eq",
    "IndefiniteDescription.constructive_indefinite_description",
    "ClassicalEpsilon.constructive_indefinite_description",
    "Epsilon.epsilon_statement",
    "RelationalChoice.relational_choice",
    "ClassicalUniqueChoice.dependent_unique_choice",
    "Description.constructive_definite_description",
) + tuple(
    # Coq's primitive 63-bit integers and floats and their specifications (Coq 8.16's theories/Floats and
    # theories/Numbers/Cyclic/Int63): part of the kernel, listed by `Print Assumptions` once a proof computes with
    # them, as the Interval library's reflexive tactics and bignums do.
    f"Coq.{module}.{name}"
    for module, names in (
        (
            "Floats.PrimFloat",
            "float classify abs sqrt opp eqb ltb leb compare mul add sub div of_uint63 "
            "normfr_mantissa frshiftexp ldshiftexp next_up next_down",
        ),
        (
            "Floats.FloatAxioms",
            "Prim2SF_valid SF2Prim_Prim2SF Prim2SF_SF2Prim opp_spec abs_spec eqb_spec ltb_spec "
            "leb_spec compare_spec classify_spec mul_spec add_spec sub_spec div_spec sqrt_spec of_uint63_spec "
            "normfr_mantissa_spec frshiftexp_spec ldshiftexp_spec next_up_spec next_down_spec",
        ),
        (
            "Numbers.Cyclic.Int63.PrimInt63",
            "int lsl lsr land lor lxor asr add sub mul mulc div mod divs mods eqb ltb "
            "leb ltsb lesb addc addcarryc subc subcarryc diveucl diveucl_21 addmuldiv compare compares head0 tail0",
        ),
        (
            "Numbers.Cyclic.Int63.Uint63",
            "of_to_Z lsl_spec lsr_spec land_spec lor_spec lxor_spec add_spec sub_spec "
            "mul_spec mulc_spec div_spec mod_spec eqb_correct eqb_refl ltb_spec leb_spec compare_def_spec head0_spec "
            "tail0_spec addc_def_spec addcarryc_def_spec subc_def_spec subcarryc_def_spec diveucl_def_spec "
            "diveucl_21_spec addmuldiv_def_spec",
        ),
        ("Numbers.Cyclic.Int63.Sint63", "asr_spec div_spec mod_spec ltb_spec leb_spec compare_spec"),
    )
    for name in names.split()
)


@dataclass
class CoqConfig(BackendConfig):
    allowed_axioms: tuple[str, ...] = COQ_STANDARD_AXIOMS
    coqtop: str = "coqtop"
    coqc: str = "coqc"
    coqchk: str = "coqchk"  # the independent kernel checker of `kernel_recheck`
    interrupt_grace: float = 3.0  # after SIGINT, how long to wait for the prompt before killing
    start_attempts: int = 5  # a process that dies while starting is started again this many times in all
    printing_width: int = 1000
    max_goals_shown: int = 16  # goals past this are shown by conclusion only
    # `-R dir Name` / `-Q dir Name` arguments for coqtop: set by the operator (a traced project's `_CoqProject`),
    # never from a request.
    load_args: tuple[str, ...] = ()

    def sandbox_paths(self) -> tuple[str, ...]:
        """What coqtop/coqc/coqchk read besides the system folders: Coq's library (`coqc -where`), the folder of its
        programs (an opam switch lives outside /usr) and the folders of the operator's `-R`/`-Q`/`-I` load paths."""
        from .env import library_dir

        paths = [library_dir(self.coqc)]
        for tool in (self.coqtop, self.coqc):
            found = shutil.which(tool)
            if found:
                paths.append(os.path.dirname(os.path.realpath(found)))
        args = list(self.load_args)
        for i, arg in enumerate(args[:-1]):
            if arg in ("-R", "-Q", "-I", "-include"):
                paths.append(args[i + 1])
        return tuple(p for p in paths if p)
