"""Everything after the findings: suppressions and the baseline, the output writers and one
formatter per format. Renders findings; never computes them."""
