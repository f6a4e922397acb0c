// The shapes Django sends, generated from the server's schemas (core/schemas.py,
// storefront/schemas.py, backoffice/schemas.py and the REST API in api/) into
// generated/schema.d.ts by `npm run types`; DEVELOPMENT.md explains the workflow.
// Never write a server shape by hand: name the generated one here.

import type { components } from "./generated/schema";

type Schemas = components["schemas"];

// The props a page's view sends, by the page's path under pages/: PageProps<"Orders/Show">.
export type PageName = keyof Schemas["InertiaPages"];
export type PageProps<Page extends PageName> = Schemas["InertiaPages"][Page];

// Shared by every page (core/middleware.py).
export type SharedProps = Schemas["SharedProps"];
export type User = Schemas["User"];
export type FlashMessage = Schemas["FlashMessage"];

// Building blocks of several pages.
export type Pagination = Schemas["Pagination"];
export type Option = Schemas["Option"];

// Events, ticket types and orders: the pages and the REST API send the same shapes.
export type EventSummary = Schemas["EventSummary"];
export type ListedEvent = Schemas["ListedEvent"];
export type EventDetail = Schemas["EventDetail"];
export type EventStatus = EventSummary["status"];
export type DatePublic = Schemas["DatePublic"];
export type TicketTypePublic = Schemas["TicketTypePublic"];
export type SaleState = TicketTypePublic["state"];
export type PaymentMethod = Schemas["PaymentMethod"];
export type VoucherCheck = Schemas["VoucherCheck"];
export type QueueStatus = Schemas["QueueStatusOut"];
export type RoomRef = Schemas["RoomRef"];
export type WaitlistRef = Schemas["WaitlistRef"];
export type OrderDetail = Schemas["OrderDetail"];
export type OrderEvent = Schemas["OrderEvent"];
export type OrderLine = Schemas["OrderLine"];
export type OrderTicket = Schemas["OrderTicket"];
export type TicketWalletPass = Schemas["TicketWalletPass"];
export type InvoiceLink = Schemas["InvoiceLink"];
export type OrderInvoicesSection = Schemas["OrderInvoices"];
export type Answer = Schemas["Answer"];
export type CheckoutQuestion = Schemas["CheckoutQuestion"];
export type AnswersEdit = Schemas["AnswersEdit"];
export type OrderTaxes = Schemas["OrderTaxes"];
export type OrderInvoiceAddress = Schemas["OrderInvoiceAddress"];
export type CheckoutInvoiceAddress = Schemas["CheckoutInvoiceAddress"];
export type InvoiceAddressIn = Schemas["InvoiceAddressIn"];
export type EventTaxSettings = Schemas["EventTaxSettings"];
export type ManagedTaxRule = Schemas["ManagedTaxRule"];
export type TaxClause = Schemas["TaxClause"];

// The back office.
export type EventRow = Schemas["EventRow"];
export type EditableEvent = Schemas["EditableEvent"];
export type ManagedTicketType = Schemas["ManagedTicketType"];
export type VoucherRow = Schemas["VoucherRow"];
export type DateChoice = Schemas["DateChoice"];
export type ManagedDate = Schemas["ManagedDate"];
export type ManagedQuestion = Schemas["ManagedQuestion"];
export type ManagedDateOffer = Schemas["ManagedDateOffer"];
export type DatesTicketType = Schemas["DatesTicketType"];
export type DatesPreview = Schemas["DatesPreview"];
export type PreviewDate = Schemas["PreviewDate"];
export type CheckInCounts = Schemas["CheckInCounts"];
export type ScanResult = Schemas["ScanResult"];
export type RoomCounts = Schemas["RoomCounts"];
export type SearchResults = Schemas["SearchResults"];
export type UndoResult = Schemas["UndoResult"];

declare module "@inertiajs/core" {
  export interface InertiaConfig {
    sharedPageProps: SharedProps;
    flashDataType: { messages?: FlashMessage[] };
  }
}
export type EmailPreview = Schemas["EmailPreview"];
export type EmailTextOut = Schemas["EmailTextOut"];

// The door's scanner devices (api/door.py) and the back office's pages about them.
export type DoorDevice = Schemas["DeviceOut"];
export type DoorList = Schemas["DoorList"];
export type DoorTicket = Schemas["DoorTicket"];
export type DoorSnapshot = Schemas["SnapshotOut"];
export type DoorChanges = Schemas["ChangesOut"];
export type DoorCounts = Schemas["DoorCounts"];
export type DoorStatus = Schemas["DoorStatus"];
export type DoorPairing = Schemas["PairOut"];
export type DoorUpload = Schemas["UploadOut"];
