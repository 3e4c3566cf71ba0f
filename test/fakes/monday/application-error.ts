// monday.com's application-level error: answered with HTTP 200 as errors[{message, locations, path, extensions: {code, status_code, error_data}}].
import { GraphQLError } from 'graphql';

export type MondayErrorCode =
  | 'ColumnValueException'
  | 'InvalidColumnIdException'
  | 'InvalidBoardIdException'
  | 'ItemNameTooLongException'
  | 'InvalidArgumentException'
  | 'ResourceNotFoundException';

const STATUS_CODES: Record<MondayErrorCode, number> = {
  ColumnValueException: 400,
  InvalidColumnIdException: 400,
  InvalidBoardIdException: 400,
  ItemNameTooLongException: 400,
  InvalidArgumentException: 400,
  ResourceNotFoundException: 404,
};

/** Thrown by resolvers; graphql-js adds the locations and path, and keeps these extensions. */
export class MondayApplicationError extends GraphQLError {
  constructor(code: MondayErrorCode, message: string, errorData: Record<string, unknown> = {}) {
    super(message, { extensions: { code, status_code: STATUS_CODES[code], error_data: errorData } });
  }
}
