"""Replies: patients' answers to our messages (two-way SMS).

Takes in what a gateway fetched (:class:`smsremind.replies.inbox.Incoming`)
→ stores each answer once, reads its meaning (confirm / cancel / stop /
unrecognised, :mod:`.words`), ties it to the message and appointments it
answers, opts out STOP; gives out each appointment's answer, the practice's
CSV export and the administrator's digest (:mod:`.answers`, :mod:`.digest`).
The gateways (in ``sending``) fetch; this stage never talks to a network.
"""
