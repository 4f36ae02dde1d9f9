"""The root modules of one workspace, evaluated once and reused for every candidate edit."""

from __future__ import annotations

from dataclasses import dataclass, field

from iam_prune.fixes.evaluation.instances import Tree, tree
from iam_prune.fixes.evaluation.retree import retree
from iam_prune.fixes.evaluation.workspace import Workspace


@dataclass
class Evaluation:
    """The roots of one workspace, evaluated once and reused for every candidate edit.

    An edited workspace (``base`` is the original's evaluation) is evaluated again only where
    the edit reaches: the names it rewrites and what reads them, a module instance whose
    inputs change (:mod:`iam_prune.fixes.evaluation.retree`); what cannot be followed name by
    name (an edited override or variables file, module instances that come or go) is
    evaluated whole.
    """

    workspace: Workspace
    roots: tuple[str, ...]
    base: Evaluation | None = None
    _trees: list[Tree] | None = field(default=None, repr=False)
    _walked: list[Tree] | None = field(default=None, repr=False)

    @property
    def trees(self) -> list[Tree]:
        if self._trees is None:
            if self.base is None:
                self._trees = [tree(self.workspace, root) for root in self.roots]
            else:
                self.workspace.check_reach()  # OutOfReach: the part evaluated is not enough
                self._trees = [
                    retree(old, self.workspace) or tree(self.workspace, old.root)
                    for old in self.base.trees
                ]
        return self._trees

    @property
    def walked(self) -> list[Tree]:
        """The trees with their module instances (``Tree.walked``): an edited copy evaluated
        only where the edit reaches keeps none, and is then evaluated whole, once."""
        if all(t.walked is not None for t in self.trees):
            return self.trees
        if self._walked is None:
            self._walked = [tree(self.workspace, t.root) for t in self.trees]
        return self._walked

    def evaluate(self) -> bool:
        """Evaluate now rather than when first asked (a run does it before its findings);
        whether it was not evaluated before."""
        fresh = self._trees is None
        self._trees = self.trees
        return fresh

    @property
    def directories(self) -> list[str]:
        return sorted({d for t in self.trees for d in t.scopes})
