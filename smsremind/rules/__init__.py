"""Rules: stored visits + settings + now in, the messages that are due out.

Pure decisions: when a reminder goes out (:mod:`.schedule`), which messages a
day holds and which are skipped, covered or expired (:mod:`.planner`), which
notices a change owes (:mod:`.notices`), the message records themselves
(:mod:`.messages`) and the step-by-step trail for ``explain``. Implements spec
§2 (send times) and §5 (notices). Reads the store, never sends.
"""
