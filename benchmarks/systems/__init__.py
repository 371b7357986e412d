"""One module per system. Each exposes ``available() -> str | None`` (None when usable, else why not)
and ``build(workload, data) -> (check, step)``:

* ``check()`` returns ``{"loss": ..., "g0": ..., ...}`` (the loss and every gradient, as NumPy arrays)
  computed from the shared initial weights, before any update;
* ``step()`` runs one timed step (forward, backward and, for networks, the SGD update).

``NotApplicable`` from ``build`` means the system does not run that workload (a message says why).
"""

SYSTEMS = ["numpy", "chainrule", "torch", "autograd", "jax", "jax-jit", "micrograd"]


class NotApplicable(Exception):  # noqa: N818 - a verdict, not an error
    """The system does not run this workload (the message says why)."""
