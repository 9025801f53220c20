/*
    Retail sample database for datamigrate.
    Written for this project; scripted the way SQL Server Management Studio scripts a database:
    GO batches, bracketed names, storage clauses, constraints added after the tables.
*/
SET ANSI_NULLS ON
GO
SET QUOTED_IDENTIFIER ON
GO
CREATE SCHEMA [sales] AUTHORIZATION [dbo]
GO
CREATE SCHEMA [inventory] AUTHORIZATION [dbo]
GO
CREATE TYPE [dbo].[Flag] FROM [bit] NOT NULL
GO

CREATE TABLE [sales].[Customer](
	[CustomerID] [int] IDENTITY(1,1) NOT NULL,
	[CustomerCode] [nchar](8) NOT NULL,
	[FirstName] [nvarchar](50) NOT NULL,
	[LastName] [nvarchar](50) NOT NULL,
	[Email] [varchar](254) NULL,
	[Segment] [varchar](10) NOT NULL CONSTRAINT [DF_Customer_Segment] DEFAULT ('retail'),
	[IsActive] [dbo].[Flag],
	[CreatedAt] [datetime2](3) NOT NULL CONSTRAINT [DF_Customer_CreatedAt] DEFAULT (sysdatetime()),
	[RowGuid] [uniqueidentifier] ROWGUIDCOL NOT NULL CONSTRAINT [DF_Customer_RowGuid] DEFAULT (newid()),
	[FullName] AS ([FirstName] + N' ' + [LastName]),
 CONSTRAINT [PK_Customer] PRIMARY KEY CLUSTERED ([CustomerID] ASC)
	WITH (PAD_INDEX = OFF, STATISTICS_NORECOMPUTE = OFF, IGNORE_DUP_KEY = OFF) ON [PRIMARY],
 CONSTRAINT [UQ_Customer_Code] UNIQUE NONCLUSTERED ([CustomerCode] ASC) ON [PRIMARY],
 CONSTRAINT [CK_Customer_Segment] CHECK ([Segment] IN ('retail', 'business', 'staff'))
) ON [PRIMARY]
GO

CREATE TABLE [inventory].[Category](
	[CategoryID] [smallint] NOT NULL,
	[Name] [nvarchar](40) NOT NULL,
	[ParentCategoryID] [smallint] NULL,
 CONSTRAINT [PK_Category] PRIMARY KEY CLUSTERED ([CategoryID] ASC) ON [PRIMARY]
) ON [PRIMARY]
GO

CREATE TABLE [inventory].[Product](
	[ProductID] [int] IDENTITY(100,1) NOT NULL,
	[SKU] [varchar](20) NOT NULL,
	[Name] [nvarchar](100) NOT NULL,
	[CategoryID] [smallint] NOT NULL,
	[ListPrice] [money] NOT NULL,
	[StandardCost] [decimal](12, 4) NOT NULL,
	[Weight] [real] NULL,
	[Discontinued] [bit] NOT NULL,
	[Notes] [nvarchar](max) NULL,
	[Margin] AS ([ListPrice] - [StandardCost]) PERSISTED,
 CONSTRAINT [PK_Product] PRIMARY KEY CLUSTERED ([ProductID] ASC) ON [PRIMARY]
) ON [PRIMARY] TEXTIMAGE_ON [PRIMARY]
GO

CREATE TABLE [sales].[Order](
	[OrderID] [int] IDENTITY(1,1) NOT NULL,
	[CustomerID] [int] NOT NULL,
	[OrderDate] [datetime] NOT NULL,
	[ShippedDate] [date] NULL,
	[Status] [tinyint] NOT NULL,
	[Channel] [char](3) NOT NULL,
 CONSTRAINT [PK_Order] PRIMARY KEY CLUSTERED ([OrderID] ASC) ON [PRIMARY]
) ON [PRIMARY]
GO

CREATE TABLE [sales].[OrderLine](
	[OrderID] [int] NOT NULL,
	[LineNumber] [smallint] NOT NULL,
	[ProductID] [int] NOT NULL,
	[Quantity] [int] NOT NULL,
	[UnitPrice] [money] NOT NULL,
	[Discount] [decimal](4, 3) NOT NULL,
 CONSTRAINT [PK_OrderLine] PRIMARY KEY CLUSTERED ([OrderID] ASC, [LineNumber] ASC) ON [PRIMARY]
) ON [PRIMARY]
GO

-- Loaded by the procedures in 03_procedures.sql.
CREATE TABLE [sales].[DailySales](
	[SalesDate] [date] NOT NULL,
	[ProductID] [int] NOT NULL,
	[Quantity] [int] NOT NULL,
	[Revenue] [money] NOT NULL,
 CONSTRAINT [PK_DailySales] PRIMARY KEY CLUSTERED ([SalesDate] ASC, [ProductID] ASC)
) ON [PRIMARY]
GO

CREATE TABLE [sales].[CustomerSummary](
	[CustomerID] [int] NOT NULL,
	[OrderCount] [int] NOT NULL,
	[LifetimeValue] [money] NOT NULL,
	[LastOrderDate] [datetime] NULL,
 CONSTRAINT [PK_CustomerSummary] PRIMARY KEY CLUSTERED ([CustomerID] ASC)
) ON [PRIMARY]
GO

CREATE TABLE [dbo].[AuditLog](
	[AuditID] [bigint] IDENTITY(1,1) NOT NULL,
	[TableName] [sysname] NOT NULL,
	[ChangedAt] [datetimeoffset](7) NOT NULL,
	[ChangedBy] [nvarchar](128) NOT NULL,
	[Detail] [xml] NULL,
 CONSTRAINT [PK_AuditLog] PRIMARY KEY CLUSTERED ([AuditID] ASC) ON [PRIMARY]
) ON [PRIMARY] TEXTIMAGE_ON [PRIMARY]
GO

ALTER TABLE [inventory].[Category]  WITH CHECK ADD  CONSTRAINT [FK_Category_Parent] FOREIGN KEY([ParentCategoryID])
REFERENCES [inventory].[Category] ([CategoryID])
GO
ALTER TABLE [inventory].[Product]  WITH CHECK ADD  CONSTRAINT [FK_Product_Category] FOREIGN KEY([CategoryID])
REFERENCES [inventory].[Category] ([CategoryID])
GO
ALTER TABLE [inventory].[Product] ADD  CONSTRAINT [DF_Product_Discontinued]  DEFAULT ((0)) FOR [Discontinued]
GO
ALTER TABLE [inventory].[Product]  WITH CHECK ADD  CONSTRAINT [CK_Product_ListPrice] CHECK  (([ListPrice]>=(0)))
GO
ALTER TABLE [sales].[Order]  WITH CHECK ADD  CONSTRAINT [FK_Order_Customer] FOREIGN KEY([CustomerID])
REFERENCES [sales].[Customer] ([CustomerID])
GO
ALTER TABLE [sales].[Order]  WITH CHECK ADD  CONSTRAINT [CK_Order_Channel] CHECK  (([Channel] IN ('WEB', 'STO', 'TEL')))
GO
ALTER TABLE [sales].[Order]  WITH CHECK ADD  CONSTRAINT [CK_Order_Status] CHECK  (([Status] IN (1, 2, 3, 4)))
GO
ALTER TABLE [sales].[OrderLine]  WITH CHECK ADD  CONSTRAINT [FK_OrderLine_Order] FOREIGN KEY([OrderID])
REFERENCES [sales].[Order] ([OrderID])
ON DELETE CASCADE
GO
ALTER TABLE [sales].[OrderLine]  WITH CHECK ADD  CONSTRAINT [FK_OrderLine_Product] FOREIGN KEY([ProductID])
REFERENCES [inventory].[Product] ([ProductID])
GO
ALTER TABLE [sales].[OrderLine] ADD  CONSTRAINT [DF_OrderLine_Discount]  DEFAULT ((0)) FOR [Discount]
GO
ALTER TABLE [sales].[DailySales]  WITH CHECK ADD  CONSTRAINT [FK_DailySales_Product] FOREIGN KEY([ProductID])
REFERENCES [inventory].[Product] ([ProductID])
GO
CREATE NONCLUSTERED INDEX [IX_Order_Customer] ON [sales].[Order] ([CustomerID] ASC)
	INCLUDE ([OrderDate], [Status]) WITH (PAD_INDEX = OFF, SORT_IN_TEMPDB = OFF) ON [PRIMARY]
GO
CREATE UNIQUE NONCLUSTERED INDEX [UX_Product_SKU] ON [inventory].[Product] ([SKU] ASC) ON [PRIMARY]
GO
CREATE UNIQUE NONCLUSTERED INDEX [UX_Customer_Email] ON [sales].[Customer] ([Email] ASC)
	WHERE ([Email] IS NOT NULL) ON [PRIMARY]
GO

EXEC sys.sp_addextendedproperty @name=N'MS_Description', @value=N'Customers of the shops and the web store.' , @level0type=N'SCHEMA',@level0name=N'sales'
GO
EXEC sys.sp_addextendedproperty @name=N'MS_Description', @value=N'People and companies who buy from us.' , @level0type=N'SCHEMA',@level0name=N'sales', @level1type=N'TABLE',@level1name=N'Customer'
GO
EXEC sys.sp_addextendedproperty @name=N'MS_Description', @value=N'Eight-character code printed on loyalty cards.' , @level0type=N'SCHEMA',@level0name=N'sales', @level1type=N'TABLE',@level1name=N'Customer', @level2type=N'COLUMN',@level2name=N'CustomerCode'
GO
EXEC sys.sp_addextendedproperty @name=N'MS_Description', @value=N'retail, business or staff: decides the price list.' , @level0type=N'SCHEMA',@level0name=N'sales', @level1type=N'TABLE',@level1name=N'Customer', @level2type=N'COLUMN',@level2name=N'Segment'
GO
EXEC sys.sp_addextendedproperty @name=N'MS_Description', @value=N'Everything we sell, one row per SKU.' , @level0type=N'SCHEMA',@level0name=N'inventory', @level1type=N'TABLE',@level1name=N'Product'
GO
EXEC sys.sp_addextendedproperty @name=N'MS_Description', @value=N'Price before discounts, in the shop''s currency.' , @level0type=N'SCHEMA',@level0name=N'inventory', @level1type=N'TABLE',@level1name=N'Product', @level2type=N'COLUMN',@level2name=N'ListPrice'
GO
EXEC sys.sp_addextendedproperty @name=N'MS_Description', @value=N'One row per order line; revenue is Quantity * UnitPrice * (1 - Discount).' , @level0type=N'SCHEMA',@level0name=N'sales', @level1type=N'TABLE',@level1name=N'OrderLine'
GO
