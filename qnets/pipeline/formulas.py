"""A claim's bound as MathML for the HTML report: no JavaScript, no network.

The bound's expression (a sympy object: the ``expr`` of a :class:`~qnets.theory.bound.Bound` or the ``result`` of a
:class:`~qnets.theory.markov.Derivation`) goes through sympy's
presentation MathML printer.  The bounded quantity of a :class:`~qnets.theory.bound.Bound` is
LaTeX text (``\\mathbb{E}[F(\\bar w_T)] - F^*``); :func:`latex_mathml` translates the small subset
of LaTeX those quantities use and rejects anything else, so a new quantity cannot render wrongly
unnoticed.
"""

from __future__ import annotations

import html
import re

from sympy.printing.mathml import mathml

from qnets.theory.bound import Bound
from qnets.theory.markov import Derivation

_TOKEN = re.compile(
    r"\\mathbb\{(?P<bb>\w)\}|\\bar\s*(?P<bar>\w)|(?P<norm>\\\|)|\\(?P<cmd>\w+)|(?P<atom>[A-Za-z0-9])|(?P<op>\S)"
)
#: LaTeX commands of the subset, as MathML operators.
_COMMANDS = {"le": "&#8804;", "ge": "&#8805;", "cdot": "&#8901;"}


def _atoms(latex: str) -> list[str]:
    """The MathML of each token of ``latex``, with ``^`` and ``_`` still separate tokens."""
    out: list[str] = []
    for match in _TOKEN.finditer(latex):
        kind, text = match.lastgroup, match.group(match.lastgroup or 0)
        if kind == "bb":
            out.append(f'<mi mathvariant="double-struck">{text}</mi>')
        elif kind == "bar":
            out.append(f'<mover accent="true"><mi>{text}</mi><mo>&#175;</mo></mover>')
        elif kind == "norm":
            out.append("<mo>&#8214;</mo>")
        elif kind == "cmd":
            if text not in _COMMANDS:
                raise ValueError(f"latex_mathml: unsupported LaTeX command \\{text} in {latex!r}")
            out.append(f"<mo>{_COMMANDS[text]}</mo>")
        elif kind == "atom":
            out.append(f"<mn>{text}</mn>" if text.isdigit() else f"<mi>{text}</mi>")
        elif text in "^_":
            out.append(text)
        elif text in "{}":
            raise ValueError(f"latex_mathml: groups {{...}} are not supported, in {latex!r}")
        else:
            out.append(f"<mo>{'&#8727;' if text == '*' else html.escape(text)}</mo>")
    return out


def latex_mathml(latex: str) -> str:
    """MathML (an ``<mrow>``) of a bounded quantity's LaTeX: letters, digits, operators, ``x^y``,
    ``x_y`` (one-token scripts), ``\\mathbb{E}``, ``\\bar w``, ``\\|`` and ``\\le``.

    Raises
    ------
    ValueError
        For any other LaTeX (a command or group outside the subset, or a dangling script).
    """
    atoms = _atoms(latex)
    out: list[str] = []
    i = 0
    while i < len(atoms):
        atom = atoms[i]
        if atom in "^_":
            raise ValueError(f"latex_mathml: script without a base in {latex!r}")
        if i + 1 < len(atoms) and atoms[i + 1] in ("^", "_"):
            if i + 2 >= len(atoms) or atoms[i + 2] in ("^", "_"):
                raise ValueError(f"latex_mathml: script without an argument in {latex!r}")
            tag = "msup" if atoms[i + 1] == "^" else "msub"
            out.append(f"<{tag}>{atom}{atoms[i + 2]}</{tag}>")
            i += 3
        else:
            out.append(atom)
            i += 1
    return "<mrow>" + "".join(out) + "</mrow>"


def formula_mathml(bound: Bound | Derivation | None) -> str | None:
    """The ``<math>`` element of a claim's bound (``quantity <= expr``) or derived result; None
    for a claim without one."""
    if bound is None:
        return None
    if isinstance(bound, Bound):
        body = latex_mathml(bound.quantity) + "<mo>&#8804;</mo>" + mathml(bound.expr, printer="presentation")
    else:
        body = mathml(bound.result, printer="presentation")
    return f'<math display="inline">{body}</math>'
