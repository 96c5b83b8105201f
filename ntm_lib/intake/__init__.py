"""Reading what officers type: files to cells, cells to values, registers, data, plans, budgets,
and the data-entry workbooks they fill in. Every problem is located (file, sheet, row, column).
"""
