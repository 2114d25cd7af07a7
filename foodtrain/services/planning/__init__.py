"""Route planning for a delivery date: gather the day, solve with `routing`, store and adjust the plan.

One question per module, in the order a day is planned; import from the module that holds a name:

- :mod:`.reading`: reading the day into plain inputs (orders, shops, vans, rostered teams).
- :mod:`.solving`: solving those inputs with :mod:`routing` (no database).
- :mod:`.storing`: storing a plan, and the background planning job (kind ``route_plan``).
- :mod:`.staleness`: what changed since a plan was made (customers, orders, rota).
- :mod:`.viewing`: looking at a plan: the page's plain data, a volunteer's rounds.
- :mod:`.adjusting`: moving orders, locking rounds and publishing.
- :mod:`.printouts`: delivery sheets and shop picking lists (rendered by :mod:`foodtrain.sheets`).
"""
