SET ANSI_NULLS ON
GO
SET QUOTED_IDENTIFIER ON
GO
-- Truncate-and-load: rebuilds the daily sales table from the order lines.
CREATE PROCEDURE [sales].[usp_LoadDailySales]
AS
BEGIN
    SET NOCOUNT ON;
    TRUNCATE TABLE sales.DailySales;
    INSERT INTO sales.DailySales (SalesDate, ProductID, Quantity, Revenue)
    SELECT CAST(o.OrderDate AS date), ol.ProductID, SUM(ol.Quantity),
           SUM(ol.Quantity * ol.UnitPrice * (1 - ol.Discount))
    FROM sales.[Order] AS o
    JOIN sales.OrderLine AS ol ON ol.OrderID = o.OrderID
    GROUP BY CAST(o.OrderDate AS date), ol.ProductID;
END
GO

-- Upsert with MERGE: keeps one summary row per customer.
CREATE PROCEDURE [sales].[usp_MergeCustomerSummary]
AS
BEGIN
    SET NOCOUNT ON;
    MERGE sales.CustomerSummary AS target
    USING (
        SELECT o.CustomerID, COUNT(*) AS OrderCount,
               SUM(ol.Quantity * ol.UnitPrice) AS LifetimeValue, MAX(o.OrderDate) AS LastOrderDate
        FROM sales.[Order] AS o
        JOIN sales.OrderLine AS ol ON ol.OrderID = o.OrderID
        GROUP BY o.CustomerID
    ) AS source
    ON target.CustomerID = source.CustomerID
    WHEN MATCHED THEN
        UPDATE SET OrderCount = source.OrderCount, LifetimeValue = source.LifetimeValue,
                   LastOrderDate = source.LastOrderDate
    WHEN NOT MATCHED BY TARGET THEN
        INSERT (CustomerID, OrderCount, LifetimeValue, LastOrderDate)
        VALUES (source.CustomerID, source.OrderCount, source.LifetimeValue, source.LastOrderDate);
END
GO

-- Incremental insert: appends the days after the last loaded one.
CREATE PROCEDURE [sales].[usp_AppendDailySales]
    @Through date = NULL
AS
BEGIN
    SET NOCOUNT ON;
    DECLARE @LastLoaded date = (SELECT MAX(SalesDate) FROM sales.DailySales);
    INSERT INTO sales.DailySales (SalesDate, ProductID, Quantity, Revenue)
    SELECT CAST(o.OrderDate AS date), ol.ProductID, SUM(ol.Quantity), SUM(ol.Quantity * ol.UnitPrice)
    FROM sales.[Order] AS o
    JOIN sales.OrderLine AS ol ON ol.OrderID = o.OrderID
    WHERE CAST(o.OrderDate AS date) > ISNULL(@LastLoaded, '19000101')
      AND (@Through IS NULL OR CAST(o.OrderDate AS date) <= @Through)
    GROUP BY CAST(o.OrderDate AS date), ol.ProductID;
END
GO
