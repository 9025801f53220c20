SET ANSI_NULLS ON
GO
SET QUOTED_IDENTIFIER ON
GO
-- Revenue per order line, with the customer's display name.
CREATE VIEW [sales].[vOrderLineRevenue]
AS
SELECT
    o.OrderID,
    o.OrderDate,
    c.FirstName + ' ' + c.LastName AS CustomerName,
    p.SKU,
    ol.Quantity,
    ol.Quantity * ol.UnitPrice * (1 - ol.Discount) AS Revenue,
    CONVERT(varchar(10), o.OrderDate, 120) AS OrderDay
FROM sales.[Order] AS o
INNER JOIN sales.OrderLine AS ol ON ol.OrderID = o.OrderID
INNER JOIN sales.Customer AS c ON c.CustomerID = o.CustomerID
INNER JOIN inventory.Product AS p ON p.ProductID = ol.ProductID
GO

-- Sales per category and month.
CREATE VIEW [sales].[vCategorySales]
AS
SELECT
    cat.Name AS Category,
    YEAR(o.OrderDate) AS SalesYear,
    MONTH(o.OrderDate) AS SalesMonth,
    COUNT(DISTINCT o.OrderID) AS Orders,
    SUM(ol.Quantity * ol.UnitPrice) AS GrossRevenue
FROM sales.OrderLine ol
JOIN sales.[Order] o ON o.OrderID = ol.OrderID
JOIN inventory.Product p ON p.ProductID = ol.ProductID
JOIN inventory.Category cat ON cat.CategoryID = p.CategoryID
GROUP BY cat.Name, YEAR(o.OrderDate), MONTH(o.OrderDate)
GO

-- Each customer's most recent order (CROSS APPLY with TOP 1).
CREATE VIEW [sales].[vLatestOrder]
AS
SELECT c.CustomerID, c.CustomerCode, last_order.OrderID, last_order.OrderDate
FROM sales.Customer AS c
CROSS APPLY (
    SELECT TOP 1 o.OrderID, o.OrderDate
    FROM sales.[Order] AS o
    WHERE o.CustomerID = c.CustomerID
    ORDER BY o.OrderDate DESC
) AS last_order
GO

-- Active products with a readable price label (ISNULL, CAST, string concatenation).
CREATE VIEW [inventory].[vActiveProduct]
AS
SELECT
    p.ProductID,
    p.SKU,
    p.Name,
    ISNULL(parent.Name, c.Name) AS TopCategory,
    p.SKU + ' - ' + CAST(p.ListPrice AS varchar(20)) AS PriceLabel
FROM inventory.Product AS p
JOIN inventory.Category AS c ON c.CategoryID = p.CategoryID
LEFT JOIN inventory.Category AS parent ON parent.CategoryID = c.ParentCategoryID
WHERE p.Discontinued = 0
GO

-- Inline table-valued function: a customer's orders since a date.
CREATE FUNCTION [sales].[fnCustomerOrders] (@CustomerID int, @Since date)
RETURNS TABLE
AS
RETURN (
    SELECT o.OrderID, o.OrderDate, o.Status
    FROM sales.[Order] AS o
    WHERE o.CustomerID = @CustomerID AND o.OrderDate >= @Since
)
GO

-- Scalar function with a single RETURN expression.
CREATE FUNCTION [dbo].[fnNetPrice] (@UnitPrice money, @Discount decimal(4,3))
RETURNS money
AS
BEGIN
    RETURN @UnitPrice * (1 - @Discount)
END
GO

-- Writes an audit row whenever a product's price changes.
CREATE TRIGGER [inventory].[trgProductPriceAudit] ON [inventory].[Product]
AFTER UPDATE
AS
BEGIN
    SET NOCOUNT ON;
    IF UPDATE(ListPrice)
        INSERT INTO dbo.AuditLog (TableName, ChangedAt, ChangedBy, Detail)
        SELECT N'inventory.Product', SYSDATETIMEOFFSET(), SUSER_SNAME(), NULL
        FROM inserted;
END
GO
