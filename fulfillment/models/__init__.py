from .deviations import Deviation
from .plan import ExecutionPlan, StandardCycle
from .production import ProductionInstruction, ProductionInstructionLine, ProductionReport
from .risk import RiskShipmentDecision, RiskShipmentRequest
from .shipping import DeliveryReceipt, Shipment, ShipmentLine
from .stock import QTY, StockItem, StockMovement, StockReservation, Warehouse

__all__ = [
    "QTY",
    "DeliveryReceipt",
    "Deviation",
    "ExecutionPlan",
    "ProductionInstruction",
    "ProductionInstructionLine",
    "ProductionReport",
    "RiskShipmentDecision",
    "RiskShipmentRequest",
    "Shipment",
    "ShipmentLine",
    "StandardCycle",
    "StockItem",
    "StockMovement",
    "StockReservation",
    "Warehouse",
]
