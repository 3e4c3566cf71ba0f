// Column helpers shared by the models.
import type { Model } from 'sequelize';

/** bigint columns come back from pg as strings; Current RMS ids are safe integers, so expose numbers. */
export const numericId = (attribute: string) => ({
  get(this: Model) {
    const value = this.getDataValue(attribute) as string | number | null;
    return value === null ? null : Number(value);
  },
});
