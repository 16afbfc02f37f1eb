MAX_PAGE = 100
LABEL = "Display settings"
