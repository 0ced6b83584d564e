export { AgentTimelineComponent } from './lib/agent-timeline/agent-timeline.component';
export { AgentTimelineChartComponent } from './lib/run-charts/agent-timeline-chart.component';
export { CostChartComponent } from './lib/run-charts/cost-chart.component';
export { BudgetBarComponent } from './lib/budget-bar/budget-bar.component';
export {
  ConnectionIndicatorComponent,
  type ConnectionState,
} from './lib/connection-indicator/connection-indicator.component';
export { LogViewComponent, type LogLevelFilter, type LogViewLine } from './lib/log-view/log-view.component';
export { StatusChipComponent, type ChipStatus } from './lib/status-chip/status-chip.component';
export { TotalCostComponent } from './lib/total-cost/total-cost.component';
export { formatDuration } from './lib/format/duration';
export { elapsedMs, tickingNow } from './lib/format/ticking-now';
