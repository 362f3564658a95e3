/**
 * The supply-setpoint controller the control tests share (as written in a site file, before
 * `controlSchema` parses it): the outdoor curve from 85 °C at −20 °C to 70 °C at 15 °C onto the
 * heat pump's setpoint `hp1/sp`, reading `dh/outdoor`.
 */
export const SUPPLY_SETPOINT_CONTROLLER = {
  type: 'supply-setpoint',
  name: 'supply',
  outdoorTemp: 'dh/outdoor',
  curve: [
    { outdoor: -20, supply: 85 },
    { outdoor: 15, supply: 70 },
  ],
  min: 65,
  max: 85,
  outputs: ['hp1/sp'],
} as const;
