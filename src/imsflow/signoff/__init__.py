"""Sign-off: the testplan, functional and code coverage, the spec-conformance matrix, reports.

* :mod:`imsflow.signoff.testplan` - the testplan and the spec's rules;
* :mod:`imsflow.signoff.funcov` / :mod:`imsflow.signoff.codecov` - coverage merges;
* :mod:`imsflow.signoff.conformance` - testplan x results x coverage -> statuses and goals;
* :mod:`imsflow.signoff.report_html` - HTML, Markdown and terminal renderings;
* :mod:`imsflow.signoff.run` - all of it on one regression run folder.
"""
